"""Public council elections: the election, its candidates, who voted, the ballots and
the receipts.

Who voted (``election_voter``) and what was voted (``ballot``, with its choices) share no
column: a ballot's key is random, and neither has a time. A receipt is stored only as
the SHA-256 of its code (``election_receipt``), with nothing linking it to a voter or a
ballot. At the count the lists are frozen on the election (``published_ballots``,
``published_receipts``) so that the open data serves the same bytes every time.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, BigIntId, _enum


class Verification(enum.StrEnum):
    """How sure we must be that a voter is one person: the level an election requires.
    A stronger one (e.g. a qualified electronic signature) is a new value, not a change
    of the elections that exist."""

    PHONE = "phone"  # a phone number confirmed through the messenger


class Election(Base):
    __tablename__ = "election"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))
    title: Mapped[str] = mapped_column(String(300))
    seats: Mapped[int]
    max_choices: Mapped[int] = mapped_column(default=1)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    required_verification: Mapped[Verification] = mapped_column(
        _enum(Verification, "election_verification")
    )
    created_at: Mapped[datetime]
    # The count, frozen when it is made (None: not counted yet).
    counted_at: Mapped[datetime | None]
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    published_ballots: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    published_receipts: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    ballots_digest: Mapped[str | None] = mapped_column(String(64))
    receipts_digest: Mapped[str | None] = mapped_column(String(64))
    ballot_count: Mapped[int | None]

    __table_args__ = (
        CheckConstraint("seats BETWEEN 1 AND 35", name="seats_range"),
        CheckConstraint("max_choices >= 1", name="max_choices_positive"),
        CheckConstraint("closes_at > opens_at", name="window"),
    )


class Candidate(Base):
    __tablename__ = "candidate"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    name: Mapped[str] = mapped_column(String(200))
    biography: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None]

    __table_args__ = (
        # One candidate per organisation in an election (Resolution No. 996).
        UniqueConstraint("election_id", "organisation_id"),
        Index("ix_candidate_election", "election_id", "id"),
    )


class CandidatePhoto(Base):
    """A candidate's photo as published: re-encoded by us (``civic.candidate_photos``),
    so it carries no metadata from the camera."""

    __tablename__ = "candidate_photo"

    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id"), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(32))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime]


class ElectionVoter(Base):
    """That a citizen voted in an election: one row, so one ballot, however many
    messengers or taps. No time, nothing that points at the ballot."""

    __tablename__ = "election_voter"

    election_id: Mapped[int] = mapped_column(ForeignKey("election.id"), primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), primary_key=True)

    __table_args__ = (Index("ix_election_voter_citizen", "citizen_id"),)


class Ballot(Base):
    """What one voter chose, with a random key and no time: the candidates' ids,
    ascending. One row: a ballot is written, counted and published whole."""

    __tablename__ = "ballot"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id"))
    choices: Mapped[list[int]] = mapped_column(JSON)

    __table_args__ = (Index("ix_ballot_election", "election_id"),)


class ElectionReceipt(Base):
    """The SHA-256 of a receipt code shown to a voter; nothing else."""

    __tablename__ = "election_receipt"

    election_id: Mapped[int] = mapped_column(ForeignKey("election.id"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


__all__ = [
    "Ballot",
    "Candidate",
    "CandidatePhoto",
    "Election",
    "ElectionReceipt",
    "ElectionVoter",
    "Verification",
]
