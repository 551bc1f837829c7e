"""Replies whose direct send failed, kept in the outbox and sent again by the worker.

A reply is kept as its text and buttons (JSON in the notice's payload). A picture keeps
its text alternative; a file is not kept (it is large, and it stays at its link in the
request it belongs to), which the kept text says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.replies import Button, Reply
from handlers.texts import Texts
from storage.models import Notice

KEPT_REPLY_KIND = "kept_reply"


def kept(replies: Sequence[Reply]) -> list[dict[str, Any]]:
    """What is kept of each reply."""
    return [
        {
            "text": reply.text + (f"\n\n{reply.image.alt_text}" if reply.image else ""),
            "buttons": [[[b.label, b.payload] for b in row] for row in reply.buttons],
            "files": [document.filename for document in reply.documents],
        }
        for reply in replies
    ]


async def render_kept_replies(
    session: AsyncSession, notice: Notice, t: Texts
) -> list[Reply] | None:
    """The kept replies, as they were (in the language they were made in)."""
    replies = []
    for item in notice.payload.get("replies", []):
        text = str(item["text"])
        if item.get("files"):
            text += "\n\n" + t._("Files: {names}. Open the request to download them.").format(
                names=", ".join(item["files"])
            )
        buttons = [
            [Button.raw(label, payload) for label, payload in row] for row in item["buttons"]
        ]
        replies.append(Reply(text=text, buttons=buttons))
    return replies or None
