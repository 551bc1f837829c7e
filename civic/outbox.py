"""Owing a message: a row in the outbox, written in the transaction of the change it is
about, so that no change is ever without its message (a transactional outbox).

The text is made when the message is sent, by the renderer the owning module registered
for its ``kind``, in the recipient's language at that time. Kinds are namespaced by the
module (``request_answered``); the module registry refuses two modules claiming one kind.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelAccount, Mail, Notice

# The columns of a notice row every insert-from-select (fan-outs, broadcasts) fills.
NOTICE_COLUMNS = (
    "citizen_id",
    "channel",
    "kind",
    "subject_id",
    "payload",
    "created_at",
    "send_after",
    "attempts",
)


def owe_notice(
    session: AsyncSession,
    *,
    citizen_id: int,
    channel: str,
    kind: str,
    subject_id: int,
    now: datetime,
    **payload: str,
) -> None:
    """A chat message to a citizen, preferably on ``channel`` (the one they used)."""
    session.add(
        Notice(
            citizen_id=citizen_id,
            channel=channel,
            kind=kind,
            subject_id=subject_id,
            payload=payload,
            created_at=now,
            send_after=now,
            attempts=0,
        )
    )


def owe_mail(
    session: AsyncSession, *, recipient: str, kind: str, subject_id: int, locale: str, now: datetime
) -> None:
    """An e-mail to an address (an authority, or a citizen who asked for copies)."""
    session.add(
        Mail(
            recipient=recipient,
            kind=kind,
            subject_id=subject_id,
            locale=locale,
            created_at=now,
            send_after=now,
            attempts=0,
        )
    )


async def owe_kept_replies(
    session: AsyncSession,
    *,
    channel: str,
    external_id: str,
    kind: str,
    replies: list[dict[str, Any]],
    now: datetime,
) -> bool:
    """Replies a messenger refused, owed to that account's citizen (False: no such
    account, nothing kept)."""
    account = await session.scalar(
        select(ChannelAccount).where(
            ChannelAccount.channel == channel, ChannelAccount.external_id == external_id
        )
    )
    if account is None:
        return False
    session.add(
        Notice(
            citizen_id=account.citizen_id,
            channel=channel,
            kind=kind,
            subject_id=account.id,
            payload={"replies": replies},
            created_at=now,
            send_after=now,
            attempts=0,
        )
    )
    return True
