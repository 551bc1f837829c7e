"""``GET /attachments/{id}/{token}``: an answer's attached file, for messengers that take
links rather than uploads (Viber).

The token is an HMAC of the attachment id under a key derived from ``VZ_SECRET_KEY``, so
a link cannot be guessed from another one; it is given only to the citizen whose request
it answers. A wrong token and an unknown id look the same: 404.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

from aiohttp import web

from bot.web.keys import DATABASE_KEY
from storage.models import RequestAttachment

PATH = "/attachments/{attachment_id:\\d{1,18}}/{token:[0-9a-f]{32}}"
ATTACHMENT_KEY = web.AppKey("attachment_key", bytes)


def attachment_token(key: bytes, attachment_id: int) -> str:
    return hmac.new(key, str(attachment_id).encode(), hashlib.sha256).hexdigest()[:32]


def attachment_url(public_url: str, key: bytes, attachment_id: int) -> str:
    token = attachment_token(key, attachment_id)
    return f"{public_url.rstrip('/')}/attachments/{attachment_id}/{token}"


def add_route(app: web.Application, key: bytes) -> None:
    app[ATTACHMENT_KEY] = key
    app.router.add_get(PATH, download)


async def download(request: web.Request) -> web.Response:
    attachment_id = int(request.match_info["attachment_id"])
    expected = attachment_token(request.app[ATTACHMENT_KEY], attachment_id)
    if not hmac.compare_digest(expected, request.match_info["token"]):
        raise web.HTTPNotFound()
    async with request.app[DATABASE_KEY].reading() as session:
        attachment = await session.get(RequestAttachment, attachment_id)
    if attachment is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=attachment.content,
        content_type=attachment.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
