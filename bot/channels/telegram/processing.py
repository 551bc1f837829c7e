"""One Telegram update, start to end: convert, hand to the core, answer, deliver.

Webhook and polling feed updates here and turn the ``Outcome`` into their own answer:

- ``HANDLED`` / ``IGNORED``: done (webhook 200, polling moves past it).
- ``REPEATED``: the update id was handled before: no effect and nothing sent, not even
  the answer to a button press (webhook 200, polling moves past it).
- ``RETRY``: the database is unavailable (a lost connection or a timeout); nothing was
  committed, so the update must come again (webhook 503, polling does not move past it).
- ``FAILED``: an unexpected error outside the core (rendering, a bug) after the event was
  handled. It is logged and dropped: Telegram re-sends a failed webhook update before the
  ones behind it, so asking for it again would hold up every chat of the bot behind one
  update that fails each time. (Failures inside the core, deterministic database errors
  included, are the core's: it marks the event done and tells the citizen.)

Every fresh button press is answered (``answerCallbackQuery``), so the citizen's spinner
stops even when nothing else is sent. When polling, the processor calls it as soon as the
core is done. In webhook mode (``answer_callbacks=False``) the webhook puts the call in
its HTTP answer instead, which saves a Bot API request per press (docs/decisions/0003).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from typing import Protocol

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Update

from bot.channels.telegram.convert import CHANNEL, ChatEvent, Ignored, ReachabilityChange, convert
from bot.channels.telegram.delivery import Delivery
from bot.channels.telegram.render import Step, render
from handlers.core import ConversationCore
from handlers.events import ContactShared
from handlers.replies import Reply
from storage.errors import DatabaseUnavailable

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    HANDLED = "handled"
    IGNORED = "ignored"
    REPEATED = "repeated"
    RETRY = "retry"
    FAILED = "failed"


class ProcessesUpdates(Protocol):
    async def process(self, update: Update) -> Outcome: ...


class UpdateProcessor:
    def __init__(
        self,
        bot: Bot,
        core: ConversationCore,
        *,
        delivery: Delivery | None = None,
        answer_callbacks: bool = True,
    ):
        self.bot = bot
        self.core = core
        self.answer_callbacks = answer_callbacks
        self.delivery = delivery or Delivery(bot, self.mark_blocked)

    async def process(self, update: Update) -> Outcome:
        try:
            return await self._process(update)
        except DatabaseUnavailable as error:
            log.warning("telegram update %s: database unavailable (%s)", update.update_id, error)
            return Outcome.RETRY
        except Exception:
            log.exception("telegram update %s failed and is dropped", update.update_id)
            return Outcome.FAILED

    async def mark_blocked(self, user_id: str) -> None:
        try:
            await self.core.set_reachable(CHANNEL, user_id, False)
        except DatabaseUnavailable as error:
            log.warning("could not mark telegram user %s unreachable: %s", user_id, error)

    async def _process(self, update: Update) -> Outcome:
        converted = convert(update)
        if isinstance(converted, Ignored):
            log.debug("telegram update %s ignored: %s", update.update_id, converted.reason)
            await self._answer_callback(update)
            return Outcome.IGNORED
        if isinstance(converted, ReachabilityChange):
            await self.core.set_reachable(CHANNEL, converted.user_id, converted.reachable)
            return Outcome.HANDLED
        return await self._chat_event(update, converted)

    async def _chat_event(self, update: Update, chat: ChatEvent) -> Outcome:
        handled = await self.core.process(chat.event)
        if handled.repeated:
            return Outcome.REPEATED
        await self._answer_callback(update)
        replies = handled.replies
        if not replies:
            return Outcome.HANDLED

        def steps_of(some: Sequence[Reply]) -> list[Step]:
            return render(
                some,
                chat_id=chat.chat_id,
                origin_message_id=chat.origin_message_id,
                remove_contact_keyboard=isinstance(chat.event.body, ContactShared)
                or replies[0].ends_phone_request,
            )

        user_id = chat.event.sender.user_id
        failed = await self.delivery.deliver(user_id, steps_of(replies))
        if failed is not None:
            # The replies from the one whose step failed on go to the outbox.
            first = next(k for k in range(len(replies)) if len(steps_of(replies[: k + 1])) > failed)
            await self.core.keep_undelivered(CHANNEL, user_id, replies[first:])
        return Outcome.HANDLED

    async def _answer_callback(self, update: Update) -> None:
        if update.callback_query is None or not self.answer_callbacks:
            return
        try:
            await self.bot.answer_callback_query(update.callback_query.id)
        except TelegramAPIError as error:
            # A re-delivered update's query may be too old to answer: nothing to do then.
            log.debug("answerCallbackQuery failed: %s", error)
