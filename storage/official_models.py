"""The officials' side of the schema: accounts, their authorities, sessions, login
throttling and the audit log.

Secrets are never stored as they are: passwords as Argon2 hashes, session tokens and
recovery codes as SHA-256 digests (both are long random values, so a fast digest is
enough), so a copy of the database lets nobody in.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models import Base, BigIntId, _enum


class OfficialRole(enum.StrEnum):
    ADMINISTRATOR = "administrator"  # everything: accounts, calendar, directory
    MODERATOR = "moderator"  # petition moderation
    OFFICIAL = "official"  # acts for the authorities bound to the account
    ANALYST = "analyst"  # reads everything, changes nothing


class Official(Base):
    """An official's account for the admin web."""

    __tablename__ = "official"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # kept lower-case
    role: Mapped[OfficialRole] = mapped_column(_enum(OfficialRole, "official_role"))
    password_hash: Mapped[str] = mapped_column(String(200))
    # The TOTP secret (base32); confirmed once the official has typed a first code.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None]
    # The last time step whose code was accepted: a code is good once.
    totp_last_step: Mapped[int | None] = mapped_column(BigIntId)
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]

    authorities: Mapped[list[OfficialAuthority]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )


class OfficialAuthority(Base):
    """An authority an ``official`` account acts for."""

    __tablename__ = "official_authority"

    official_id: Mapped[int] = mapped_column(ForeignKey("official.id"), primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), primary_key=True)


class RecoveryCode(Base):
    """A one-time code that stands in for the second factor (the phone is lost)."""

    __tablename__ = "recovery_code"

    official_id: Mapped[int] = mapped_column(ForeignKey("official.id"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime | None]


class OfficialSession(Base):
    """A signed-in browser. The cookie holds a random token; only its digest is here."""

    __tablename__ = "official_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("official.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    # Set once the second factor was given; until then the session opens only that form.
    second_factor_at: Mapped[datetime | None]
    address: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(300))
    revoked_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed logins per account or per address, and until when more tries are refused."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # "account:…", "address:…"
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class AuditEntry(Base):
    """One official action: who, what, on which object, when, from where, and the values
    before and after. Written in the transaction of the action; the migration installs
    triggers that refuse any UPDATE or DELETE on this table, on both databases."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    at: Mapped[datetime]
    # No foreign key: the entry outlives any change to the account, and names it as it was.
    official_id: Mapped[int | None] = mapped_column(BigIntId)
    official_email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    summary: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_official_id_at", "official_id", "at"),
        Index("ix_audit_entry_object", "object_type", "object_id"),
        Index("ix_audit_entry_action_at", "action", "at"),
    )


__all__ = [
    "AuditEntry",
    "LoginThrottle",
    "Official",
    "OfficialAuthority",
    "OfficialRole",
    "OfficialSession",
    "RecoveryCode",
]
