"""``POST /webhooks/viber``: Viber's callbacks in, HTTP statuses out.

In this order, so that an unauthenticated request leaves no trace:

1. The raw body is read, at most ``MAX_BODY_BYTES`` (64 KiB; Viber's callbacks are a
   few hundred bytes): larger is **413**.
2. ``X-Viber-Content-Signature`` must be the hex HMAC-SHA256 of those bytes keyed with
   the token (compared in constant time): missing or wrong is **403**. Not 401: there is
   no authentication scheme a client could answer a challenge with; the request is
   simply not Viber's. Nothing has been parsed or stored at this point.
3. The body must be a JSON object with the fields of its event: else **400**.
4. An event type we do not know is **200** and ignored, nothing stored: Viber re-sends
   every callback not answered 200 for about an hour, and an event we do not handle
   would never succeed; answering 200 keeps it from piling up.
5. The event is handled. When the database is unavailable (unreachable, connection lost,
   a timeout), the answer is **503**: nothing was committed, and Viber's retry will find
   it undone. Otherwise **200**, with the welcome message as the body for
   ``conversation_started``. A deterministic failure is the core's to answer: it marks the
   event done and tells the user something went wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.channels.viber.callbacks import Callback, MalformedCallback, parse_callback
from bot.channels.viber.client import encode_request
from bot.channels.viber.models import JsonObject
from bot.channels.viber.signature import SIGNATURE_HEADER, is_signed
from storage.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024

# Handles one verified callback; returns the answer's JSON body (the welcome), if any.
CallbackHandler = Callable[[Callback], Awaitable[JsonObject | None]]


class ViberWebhook:
    def __init__(self, token: str, handle: CallbackHandler) -> None:
        self._token = token
        self._on_callback = handle

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await _read_body(request, MAX_BODY_BYTES)
        if body is None:
            return web.Response(status=413)
        if not is_signed(body, request.headers.get(SIGNATURE_HEADER), self._token):
            log.warning("viber webhook: request without a valid signature refused")
            return web.Response(status=403)
        try:
            callback = parse_callback(body)
        except MalformedCallback as error:
            log.warning("viber webhook: malformed callback: %s", error)
            return web.Response(status=400)
        if callback is None:
            log.info("viber webhook: ignoring an event type we do not handle")
            return web.Response(status=200)
        try:
            answer = await self._on_callback(callback)
        except DatabaseUnavailable as error:
            log.error("viber webhook: %s not handled, Viber will retry: %r", callback.event, error)
            return web.Response(status=503)
        except Exception:
            # Not the database: a bug after the core was done (it has marked the event
            # done). Viber would re-send a non-200 for an hour; the repeat would be dropped.
            log.exception("viber webhook: %s failed after it was handled", callback.event)
            return web.Response(status=200)
        if answer is None:
            return web.Response(status=200)
        return web.Response(
            body=encode_request(answer), content_type="application/json", charset="utf-8"
        )


async def _read_body(request: web.Request, limit: int) -> bytes | None:
    """The raw body, or None when it is longer than ``limit`` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
