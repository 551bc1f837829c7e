"""Typed SQLAlchemy models: the one schema both dialects share.

Table names are singular snake_case, timestamps end in ``_at`` and are aware UTC, and
constraint names follow an explicit convention so migrations are stable across dialects.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
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


class RequestStatus(enum.StrEnum):
    """A request for public information, in the states a citizen understands."""

    SUBMITTED = "submitted"  # awaiting the answer
    CLARIFICATION = "clarification"  # the authority asked the citizen something
    EXTENDED = "extended"  # term extended to 20 working days, with a reason
    ANSWERED = "answered"
    PARTLY_ANSWERED = "partly_answered"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class CalendarDayKind(enum.StrEnum):
    DAY_OFF = "day_off"  # not a working day, whatever the default calendar says
    WORKING_DAY = "working_day"  # a working day, whatever the default calendar says


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
    # E-consultations: the shortest comment period and the days after closing by which
    # the report is due; None for the defaults (civic.consultations).
    consultation_min_days: Mapped[int | None] = mapped_column(Integer)
    consultation_report_days: Mapped[int | None] = mapped_column(Integer)
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Contacts (the platform's directory). The e-mail is where requests for information go.
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(32))
    request_email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    public_council_url: Mapped[str | None] = mapped_column(String(300))
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


class CalendarOverride(Base):
    """A day the working-day calendar treats otherwise than the holidays library does.

    Holiday rules change (under martial law public holidays are working days); officials
    record such changes here, with the reason, and open requests' deadlines follow.
    """

    __tablename__ = "calendar_override"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[CalendarDayKind] = mapped_column(_enum(CalendarDayKind, "calendar_day_kind"))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]


class InformationRequest(Base):
    """A citizen's request for public information to one authority, and its clock."""

    __tablename__ = "information_request"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    # "ЗІ-2026-000123": the year of receipt and a number that runs within it.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    # Where the citizen filed it: status changes are told there, in their language.
    channel: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8))
    # The law asks for the requester's name (art. 19(5)); the authority answers to it.
    requester_name: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Only when the citizen asked for the answer by e-mail as well.
    reply_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, "request_status"))
    received_at: Mapped[datetime]
    # The day the current term counts from (moved when a clarification is answered).
    term_start_at: Mapped[datetime]
    due_at: Mapped[datetime]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_at: Mapped[datetime | None]
    clarification_question: Mapped[str | None] = mapped_column(Text)
    clarification_answer: Mapped[str | None] = mapped_column(Text)
    clarification_asked_at: Mapped[datetime | None]
    answer_text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    refusal_reason: Mapped[str | None] = mapped_column(String(64))
    refusal_text: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    official_reminded_at: Mapped[datetime | None]
    overdue_told_at: Mapped[datetime | None]

    authority: Mapped[Authority] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("year", "sequence"),
        Index("ix_information_request_status_due_at", "status", "due_at"),
    )


class RequestAttachment(Base):
    """A file the authority answered with, sent to the citizen as a document."""

    __tablename__ = "request_attachment"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("information_request.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


_WAITING = "sent_at IS NULL AND dropped_at IS NULL AND "
_WAITING_OWN = text(_WAITING + "broadcast_id IS NULL")
# Each dialect's spelling of the claim's ``in_digest = false``: a partial index serves a
# query only when its predicate is the query's own condition.
_WAITING_BROADCAST_PG = text(_WAITING + "broadcast_id IS NOT NULL AND in_digest = false")
_WAITING_BROADCAST_SQLITE = text(_WAITING + "broadcast_id IS NOT NULL AND in_digest = 0")
_WAITING_DIGEST_PG = text(_WAITING + "in_digest = true")
_WAITING_DIGEST_SQLITE = text(_WAITING + "in_digest = 1")


class Notice(Base):
    """A message owed to a citizen about something that changed (transactional outbox).

    Written in the same transaction as the change, so a change is never without its
    notice; sent later by the notifier, in the citizen's language, on the messenger they
    used. ``kind`` and ``payload`` say what happened; the text is made at sending time.
    """

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))  # the preferred one
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    # Not before this moment: a retry's back-off, or another worker's claim.
    send_after: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
    # Set when the notice was given up (no reachable account, or too many failures).
    dropped_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # A broadcast's row: the one account it goes to (no other messenger stands in), and
    # how it ended (delivered, unreachable, failed, opted_out, cancelled) for its counts.
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcast.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("channel_account.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    # A low-priority broadcast's row held for the citizen's daily digest: sent with the
    # other held rows of its account as one message when ``send_after`` (the digest's
    # time) comes.
    in_digest: Mapped[bool] = mapped_column(default=False, server_default=false())

    __table_args__ = (
        # The worker claims due rows in id order: a citizen's own notices first, then
        # broadcasts' rows, each from a partial index of the rows still waiting, so a
        # million queued broadcast rows are never sorted, nor scanned past for a notice.
        Index(
            "ix_notice_waiting_own",
            "id",
            postgresql_where=_WAITING_OWN,
            sqlite_where=_WAITING_OWN,
        ),
        Index(
            "ix_notice_waiting_broadcast",
            "id",
            postgresql_where=_WAITING_BROADCAST_PG,
            sqlite_where=_WAITING_BROADCAST_SQLITE,
        ),
        # A digest is claimed by the first waiting row of its account.
        Index(
            "ix_notice_waiting_digest",
            "account_id",
            "id",
            postgresql_where=_WAITING_DIGEST_PG,
            sqlite_where=_WAITING_DIGEST_SQLITE,
        ),
        Index("ix_notice_broadcast_outcome", "broadcast_id", "outcome"),
        # The pace of a running broadcast: its rows sent in the last minute.
        Index("ix_notice_broadcast_sent", "broadcast_id", "sent_at"),
    )


class Mail(Base):
    """An e-mail owed (transactional outbox), like ``Notice`` but to an address: a request
    forwarded to its authority, a copy of an answer, a reminder to officials. The text is
    made when it is sent."""

    __tablename__ = "mail"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    send_after: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
    dropped_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_mail_pending", "sent_at", "dropped_at", "send_after"),)


__all__ = [
    "Authority",
    "AuthorityLevel",
    "Base",
    "CalendarDayKind",
    "CalendarOverride",
    "ChannelAccount",
    "Citizen",
    "InformationRequest",
    "Mail",
    "Notice",
    "Petition",
    "PetitionStatus",
    "PetitionTally",
    "ProcessedEvent",
    "RequestAttachment",
    "RequestStatus",
    "Signature",
]

# The officials' tables live in their own module but in this metadata: every user of
# ``Base.metadata`` (migrations, the schema check, tests) sees the whole schema.
from storage import consultation_models as _consultation_models  # noqa: E402, F401
from storage import election_models as _election_models  # noqa: E402, F401
from storage import official_models as _official_models  # noqa: E402, F401
from storage import organisation_models as _organisation_models  # noqa: E402, F401
from storage import outbox_models as _outbox_models  # noqa: E402, F401
from storage import poll_models as _poll_models  # noqa: E402, F401
