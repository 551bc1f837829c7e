"""The broadcasts and the citizens' choices about what reaches them.

A broadcast is one official's announcement to many; the delivery worker expands it into
one ``notice`` row per recipient account in batches (``expand_cursor`` is the last
``channel_account.id`` expanded), so a broadcast to millions is never held in memory and
the first messages leave while the rest are still being expanded.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, BigIntId, _enum


class BroadcastStatus(enum.StrEnum):
    SCHEDULED = "scheduled"  # waits for send_at
    SENDING = "sending"  # being expanded and delivered
    DONE = "done"  # expanded, and every row has an outcome
    CANCELLED = "cancelled"  # what was not sent yet never will be


class Broadcast(Base):
    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    created_at: Mapped[datetime]
    # Who: an official's account, or None with ``created_by`` "command line".
    official_id: Mapped[int | None] = mapped_column(ForeignKey("official.id"))
    created_by: Mapped[str] = mapped_column(String(254))
    # The text per language: {"uk": ..., "en": ...}; a citizen gets theirs, else Ukrainian.
    texts: Mapped[dict[str, str]] = mapped_column(JSON)
    # The audience: messengers and languages (empty: all), a region or a topic followed.
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str | None] = mapped_column(String(100))
    topic: Mapped[str | None] = mapped_column(String(40))
    # News that may wait: citizens who chose the daily digest get it there.
    low_priority: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A module's announcement (a poll opened in the citizen's region): its rows are of
    # this notice kind about ``subject_id``, made by the module's renderer, instead of the
    # official's ``texts``; the audience, preferences, quiet hours and counts are a
    # broadcast's.
    notice_kind: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(BigIntId)
    send_at: Mapped[datetime]
    status: Mapped[BroadcastStatus] = mapped_column(_enum(BroadcastStatus, "broadcast_status"))
    expand_cursor: Mapped[int] = mapped_column(BigIntId, default=0)
    expanded_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_broadcast_status_send_at", "status", "send_at"),)


class FanOut(Base):
    """One event's message to many citizens about their own affairs (a petition's answer
    to every signer): written in the event's transaction, expanded by the delivery worker
    into one notice per recipient, a batch at a time, like a broadcast. The recipients are
    a module's declared audience (``civic.fan_outs``) for ``subject_id``; ``expand_cursor``
    is the last recipient key expanded."""

    __tablename__ = "fan_out"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    created_at: Mapped[datetime]
    audience: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))  # the notices' kind
    subject_id: Mapped[int] = mapped_column(BigIntId)
    expand_cursor: Mapped[int] = mapped_column(BigIntId, default=0)
    expanded: Mapped[int] = mapped_column(default=0)  # notices added so far
    expanded_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_fan_out_expanded_at", "expanded_at"),)


class NotificationPreference(Base):
    """What a citizen asked for; no row means the defaults."""

    __tablename__ = "notification_preference"

    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), primary_key=True)
    announcements: Mapped[bool] = mapped_column(default=True)
    region: Mapped[str | None] = mapped_column(String(100))
    quiet_hours: Mapped[bool] = mapped_column(default=True)
    digest: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]


class FollowedTopic(Base):
    """A topic a citizen follows: broadcasts on it reach them."""

    __tablename__ = "followed_topic"

    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)

    __table_args__ = (Index("ix_followed_topic_topic", "topic", "citizen_id"),)


__all__ = ["Broadcast", "BroadcastStatus", "FanOut", "FollowedTopic", "NotificationPreference"]
