"""The stakeholder base: civil-society organisations, which nominate candidates to public
council elections. An organisation is a legal person: its name, code and contacts are
public registry facts, not personal data; still, ``contacts`` should hold the
organisation's own address, e-mail or phone, not a member's."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, BigIntId


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    # The EDRPOU code of the Unified State Register: eight digits.
    edrpou: Mapped[str] = mapped_column(String(8))
    region: Mapped[str | None] = mapped_column(String(100))
    contacts: Mapped[str | None] = mapped_column(String(500))
    registered_on: Mapped[date | None]
    # Checked by an official against the register (an unverified one cannot nominate).
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("edrpou"),
        CheckConstraint("length(edrpou) = 8", name="edrpou_eight_digits"),
        Index("ix_organisation_name", "name"),
    )


__all__ = ["Organisation"]
