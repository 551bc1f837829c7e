"""E-consultations on draft acts: the consultation, its numbered sections, citizens'
stances (support or object) and comments (a comment or new wording), flags on comments,
and the authority's outcome for each comment."""

from __future__ import annotations

import enum
from datetime import datetime

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


class Moderation(enum.StrEnum):
    """How a consultation's comments are published."""

    AUTOMATIC = "automatic"  # at once, after the automatic checks
    PREMODERATED = "premoderated"  # once a moderator has looked


class CommentKind(enum.StrEnum):
    COMMENT = "comment"
    WORDING = "wording"  # a proposed new wording of the section


class CommentStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a moderator (premoderated, or flagged three times)
    PUBLISHED = "published"
    HIDDEN = "hidden"  # by a moderator, with a reason its author is told
    WITHDRAWN = "withdrawn"  # by its author, while the period runs


class Stance(enum.StrEnum):
    SUPPORT = "support"
    OBJECT = "object"


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly_accepted"
    REJECTED = "rejected"


class Consultation(Base):
    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    # Who the act affects, as the authority describes them.
    affected: Mapped[str] = mapped_column(Text)
    # The audience's regions (as citizens follow them); empty for everyone.
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    moderation: Mapped[Moderation] = mapped_column(_enum(Moderation, "consultation_moderation"))
    opens_at: Mapped[datetime]
    # Closing early moves it to the moment of closing.
    closes_at: Mapped[datetime]
    # When the authority's report is due (from the authority's setting at scheduling).
    report_due_at: Mapped[datetime]
    report_published_at: Mapped[datetime | None]
    # When the audience was told it opened (None: not yet).
    announced_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="window"),
        CheckConstraint("report_due_at >= closes_at", name="report_after_closing"),
    )


class ConsultationDocument(Base):
    """The full draft as the authority uploaded it (a .docx or Markdown file)."""

    __tablename__ = "consultation_document"

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ConsultationSection(Base):
    __tablename__ = "consultation_section"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("consultation_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )


class ConsultationStance(Base):
    """A citizen's support of or objection to a section (``section_number`` 0: the whole
    draft): one per citizen and section, so nothing is counted twice; changing it
    replaces it."""

    __tablename__ = "consultation_stance"

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), primary_key=True)
    section_number: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), primary_key=True)
    stance: Mapped[Stance] = mapped_column(_enum(Stance, "consultation_stance_kind"))

    __table_args__ = (Index("ix_consultation_stance_citizen", "citizen_id"),)


class ConsultationComment(Base):
    __tablename__ = "consultation_comment"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"))
    # None: on the whole draft.
    section_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_section.id"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"))
    kind: Mapped[CommentKind] = mapped_column(_enum(CommentKind, "consultation_comment_kind"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(
        _enum(CommentStatus, "consultation_comment_status")
    )
    created_at: Mapped[datetime]
    # A moderator's decision: hidden with a reason, or published after looking (after
    # which flags no longer hide it).
    moderated_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    # The authority's outcome, for the report.
    outcome: Mapped[Outcome | None] = mapped_column(_enum(Outcome, "consultation_outcome"))
    outcome_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_consultation_comment_consultation", "consultation_id", "status"),
        Index("ix_consultation_comment_citizen", "citizen_id"),
    )


class CommentFlag(Base):
    """A citizen's flag on someone else's published comment: one per citizen."""

    __tablename__ = "consultation_flag"

    comment_id: Mapped[int] = mapped_column(ForeignKey("consultation_comment.id"), primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_consultation_flag_citizen", "citizen_id"),)


__all__ = [
    "CommentFlag",
    "CommentKind",
    "CommentStatus",
    "Consultation",
    "ConsultationComment",
    "ConsultationDocument",
    "ConsultationSection",
    "ConsultationStance",
    "Moderation",
    "Outcome",
    "Stance",
]
