"""Making the planned Bot API calls for one chat, within Telegram's limits.

- 429 ``retry_after``: wait as told and try again, at most ``max_attempts`` times per call
  and never longer than ``max_wait`` seconds at once (the webhook request is open while we
  wait; a longer wait is given up and logged, the broadcast outbox is the place for it).
- 403 (the user blocked the bot): the account is marked unreachable and the rest of the
  answer is not sent.
- An edit that Telegram refuses falls back to sending the message anew, except when the
  message already shows exactly that ("message is not modified"): sending a copy would be
  the very flood that editing avoids.
- Anything else is logged and the next message is tried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    GetUpdates,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetMyCommands,
    SetWebhook,
    TelegramMethod,
)
from aiogram.methods.base import Response
from aiogram.types import Message

from bot.channels.base import PushOutcome, PushResult, RateLimited
from bot.channels.telegram.render import Step

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# aiogram validates every Bot API answer as ``Response[method.__returning__]``. pydantic
# keeps parametrised generic classes only in a WeakValueDictionary, so a garbage
# collection can free them and the next call rebuilds the class and its validator: 16 % of
# the CPU of a webhook under load (docs/performance.md). Strong references keep them.
RESPONSE_TYPES: tuple[type[Any], ...] = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        SendMessage,
        SendPhoto,
        SendDocument,
        EditMessageText,
        EditMessageReplyMarkup,
        AnswerCallbackQuery,
        GetMe,
        GetUpdates,
        SetMyCommands,
        SetWebhook,
        DeleteWebhook,
    )
)


class Blocked(Exception):
    """Telegram answered 403: the user blocked the bot."""


class Delivery:
    def __init__(
        self,
        bot: Bot,
        on_blocked: Callable[[str], Awaitable[None]],
        *,
        max_attempts: int = 3,
        max_wait: float = 30.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.on_blocked = on_blocked
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self.sleep = sleep

    async def call(self, method: TelegramMethod[Any], *, wait_on_429: bool = True) -> Any:
        """One Bot API call, retried after 429 (unless ``wait_on_429`` is off: then the
        429 is raised at once); raises ``Blocked`` on 403."""
        attempt = 1
        while True:
            try:
                return await self.bot(method)
            except TelegramForbiddenError as error:
                raise Blocked(error.message) from error
            except TelegramRetryAfter as error:
                if (
                    not wait_on_429
                    or attempt >= self.max_attempts
                    or error.retry_after > self.max_wait
                ):
                    raise
                log.info(
                    "Telegram asks to wait %ss before %s (attempt %d)",
                    error.retry_after,
                    method.__api_method__,
                    attempt,
                )
                await self.sleep(error.retry_after)
                attempt += 1

    async def deliver(self, user_id: str, steps: Sequence[Step]) -> int | None:
        """Make the calls in order; stop when the user turns out to have blocked the bot.
        The index of the first step Telegram did not take (the caller keeps what is left
        for the outbox), or None."""
        failed: int | None = None
        for index, step in enumerate(steps):
            try:
                await self._step(step)
            except Blocked:
                log.info("telegram user %s blocked the bot: marked unreachable", user_id)
                await self.on_blocked(user_id)
                return None
            except TelegramAPIError as error:
                log.warning("telegram %s failed: %s", step.call.__api_method__, error)
                if failed is None:
                    failed = index
        return failed

    async def push(self, steps: Sequence[Step]) -> PushResult:
        """Make the calls in order for a message we start (from the outbox): stop at the
        first failure and say what it was; the outbox decides about reachability, retries
        and waiting out a 429 (it pauses all sending to Telegram, not just this chat)."""
        for step in steps:
            try:
                await self._step(step, wait_on_429=False)
            except Blocked:
                return PushOutcome.UNREACHABLE
            except TelegramRetryAfter as error:
                return RateLimited(float(error.retry_after))
            except TelegramAPIError as error:
                log.warning("telegram %s failed: %s", step.call.__api_method__, error)
                return PushOutcome.FAILED
        return PushOutcome.DELIVERED

    async def _step(self, step: Step, *, wait_on_429: bool = True) -> None:
        if isinstance(step.call, EditMessageText):
            try:
                await self.call(step.call, wait_on_429=wait_on_429)
            except TelegramBadRequest as error:
                if "not modified" in error.message:
                    return
                if step.fallback is None:
                    raise
                log.info("cannot edit the message (%s): sending it anew", error.message)
                await self.call(step.fallback, wait_on_429=wait_on_429)
            return
        sent = await self.call(step.call, wait_on_429=wait_on_429)
        if step.inline_after is not None and isinstance(sent, Message):
            markup = EditMessageReplyMarkup(
                chat_id=sent.chat.id, message_id=sent.message_id, reply_markup=step.inline_after
            )
            await self.call(markup, wait_on_429=wait_on_429)
