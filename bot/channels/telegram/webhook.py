"""``POST /webhooks/telegram``: Telegram delivering one update.

In this order:

1. Authentication: ``X-Telegram-Bot-Api-Secret-Token`` must equal our secret (compared in
   constant time). Otherwise 401, before the body is read: nothing is stored, not even the
   update id.
2. Size: a body over ``MAX_BODY_BYTES`` is 413 (Telegram's updates are a few kilobytes).
3. Shape: a body that is not JSON or not an Update is 400.
4. The update is processed; 200 when done, ignored or a repeat. An update type we do not
   handle, or a group chat, is answered 200 and ignored, with nothing stored: Telegram
   re-sends on any non-2xx, and an update we do not handle would never succeed. A fresh
   button press is answered by the 200 itself, ``{"method": "answerCallbackQuery", ...}``,
   which Telegram executes: the spinner stops without a Bot API request of our own. A
   repeated update gets a bare 200: no effect and no reply of any kind.
5. 503 when the database is unavailable (a lost connection or a timeout): nothing was
   committed, Telegram re-sends it later. Any other failure is the core's to answer.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiogram import Bot
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.channels.telegram.processing import Outcome, UpdateProcessor

log = logging.getLogger(__name__)

PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, no secret
MAX_BODY_BYTES = 1024 * 1024


def _same_secret(given: str | None, expected: str) -> bool:
    if given is None:
        return False
    return hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
    )


async def _read_limited(request: web.Request, limit: int) -> bytes | None:
    """The body, or None when it is longer than ``limit`` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _text(status: int, message: str) -> web.Response:
    return web.json_response({"ok": status < 300, "description": message}, status=status)


class TelegramWebhook:
    def __init__(self, bot: Bot, secret: str, processor: UpdateProcessor) -> None:
        self.bot = bot
        self._secret = secret
        self.processor = processor

    def add_route(self, app: web.Application) -> None:
        app.router.add_post(PATH, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        if not _same_secret(request.headers.get(SECRET_HEADER), self._secret):
            return _text(401, "unauthorized")
        body = await _read_limited(request, MAX_BODY_BYTES)
        if body is None:
            return _text(413, "request body too large")
        try:
            update = Update.model_validate(json.loads(body), context={"bot": self.bot})
        # ValueError covers JSONDecodeError and UnicodeDecodeError; absurd nesting recurses.
        except (ValueError, ValidationError, RecursionError):
            return _text(400, "not a Telegram update")
        outcome = await self.processor.process(update)
        if outcome is Outcome.RETRY:
            return _text(503, "database unavailable, try again later")
        if update.callback_query is not None and outcome is not Outcome.REPEATED:
            return web.json_response(
                {"method": "answerCallbackQuery", "callback_query_id": update.callback_query.id}
            )
        return _text(200, outcome.value)
