"""Owing a message: a row in the outbox, written in the transaction of the change it is
about, so that no change is ever without its message (a transactional outbox).

The text is made when the message is sent, by the renderer the owning module registered
for its ``kind``, in the recipient's language at that time. Kinds are namespaced by the
module (``request_answered``); the module registry refuses two modules claiming one kind.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Mail, Notice


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
