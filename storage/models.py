"""Typed SQLAlchemy models: the one schema both dialects share.

Table names are singular snake_case, timestamps end in ``_at`` and are aware UTC, and
constraint names follow an explicit convention so migrations are stable across dialects.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, but INTEGER on SQLite, where only "INTEGER PRIMARY KEY" is the
# auto-incrementing rowid.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class AuthorityLevel(enum.StrEnum):
    NATIONAL = "national"
    REGIONAL = "regional"
    LOCAL = "local"


class PetitionStatus(enum.StrEnum):
    MODERATION = "moderation"
    OPEN = "open"
    AWAITING_ANSWER = "awaiting_answer"
    ANSWERED = "answered"
    CLOSED = "closed"
    REJECTED = "rejected"


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint: adding a value later is a small,
    # reversible migration on both dialects, unlike a native PostgreSQL ENUM type.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class Authority(Base):
    """A public authority citizens address: petitions, requests, councils."""

    __tablename__ = "authority"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    name_uk: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    level: Mapped[AuthorityLevel] = mapped_column(_enum(AuthorityLevel, "authority_level"))
    region: Mapped[str | None] = mapped_column(String(100))
    # Petition rules are per authority (the law fixes the national ones, community statutes
    # the local ones). Exactly one of months/days sets the collection period.
    petition_threshold: Mapped[int] = mapped_column(Integer)
    petition_period_months: Mapped[int | None] = mapped_column(Integer)
    petition_period_days: Mapped[int | None] = mapped_column(Integer)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("petition_threshold > 0", name="threshold_positive"),
        CheckConstraint(
            "(petition_period_months IS NULL) <> (petition_period_days IS NULL)",
            name="one_period",
        ),
        UniqueConstraint("name_uk"),
    )


class Citizen(Base):
    """One person, however many messenger accounts reach us.

    The phone number is kept only as a keyed hash (to recognise the same person on another
    messenger) and its last two digits (so the citizen can tell which number we mean).
    """

    __tablename__ = "citizen"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_hint: Mapped[str | None] = mapped_column(String(4))
    phone_verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class ChannelAccount(Base):
    """A citizen's account on one channel, with its language and persisted dialog state."""

    __tablename__ = "channel_account"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    dialog_state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # False once the platform tells us the user blocked the bot or unsubscribed; later
    # sends skip them until they come back (unblock, subscribe, or write to us).
    reachable: Mapped[bool] = mapped_column(default=True, server_default=true())
    unreachable_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]

    citizen: Mapped[Citizen] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (UniqueConstraint("channel", "external_id"),)


class ProcessedEvent(Base):
    """Platform event ids already handled, so a re-delivered event has no second effect."""

    __tablename__ = "processed_event"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(index=True)


class Petition(Base):
    """An e-petition (Law "On Citizens' Appeals", art. 23-1)."""

    __tablename__ = "petition"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    author_citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    author_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)
    status: Mapped[PetitionStatus] = mapped_column(_enum(PetitionStatus, "petition_status"))
    # Rules are copied from the authority when the petition is published, so a later
    # change of the statute does not move the goalposts of a running petition.
    threshold: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    threshold_reached_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    answer_text: Mapped[str | None] = mapped_column(Text)
    rejection_reason: Mapped[str | None] = mapped_column(Text)

    authority: Mapped[Authority] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (Index("ix_petition_status_published_at", "status", "published_at"),)


class Signature(Base):
    """One citizen's signature under one petition: unique, enforced by the database."""

    __tablename__ = "signature"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    signed_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("petition_id", "citizen_id"),)


class PetitionTally(Base):
    """A petition's signature count, split over shards by citizen.

    A single counter row would be locked by every signing transaction until it commits,
    capping a hot petition at one commit at a time; shards let signatures from different
    citizens commit in parallel. The count is the sum over a petition's shards, and it
    changes only in the transaction that inserts the signature row it counts.
    """

    __tablename__ = "petition_tally"

    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id"), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    signature_count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("signature_count >= 0", name="count_not_negative"),)


__all__ = [
    "Authority",
    "AuthorityLevel",
    "Base",
    "ChannelAccount",
    "Citizen",
    "Petition",
    "PetitionStatus",
    "PetitionTally",
    "ProcessedEvent",
    "Signature",
]
