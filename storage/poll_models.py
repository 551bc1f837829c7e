"""E-polls: the poll, its questions and options, who answered, and the answers.

Who answered (``poll_respondent``: one row per citizen, so one answer) and what was
answered (``poll_response`` with its ``poll_answer`` rows) are apart. In an anonymous poll
a response's key is random and it has no citizen and no time, so nothing in these tables
links an answer to a person or orders the answers; in a named poll the response keeps its
citizen and time, so that the citizen may see and change it.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.election_models import Verification
from storage.models import Base, BigIntId, _enum


class ResultsShown(enum.StrEnum):
    """When a poll's counts reach anyone, citizens, officials and the open data alike."""

    AFTER_ANSWER = "after_answer"  # to a citizen once they answered; published at once
    AFTER_CLOSE = "after_close"  # once the poll closes
    ON_RELEASE = "on_release"  # once the authority releases them, after closing


class QuestionKind(enum.StrEnum):
    SINGLE = "single"  # one option
    MULTIPLE = "multiple"  # up to ``max_choices`` options
    TEXT = "text"  # a short free text


class Poll(Base):
    __tablename__ = "poll"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # The audience: the regions whose residents may answer (as they follow a region in
    # their notification settings); empty for everyone.
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    opens_at: Mapped[datetime]
    # Closing early moves it to the moment of closing.
    closes_at: Mapped[datetime]
    anonymous: Mapped[bool]
    changeable: Mapped[bool]
    results_shown: Mapped[ResultsShown] = mapped_column(_enum(ResultsShown, "poll_results_shown"))
    required_verification: Mapped[Verification] = mapped_column(
        _enum(Verification, "poll_verification")
    )
    created_at: Mapped[datetime]
    released_at: Mapped[datetime | None]
    # When the audience was told the poll is open (None: not yet).
    announced_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="window"),
        # Changing an answer needs finding it again, which an anonymous answer forbids.
        CheckConstraint("NOT (anonymous AND changeable)", name="anonymous_fixed"),
        Index("ix_poll_window", "opens_at", "closes_at"),
    )


class PollQuestion(Base):
    __tablename__ = "poll_question"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(500))
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind, "poll_question_kind"))
    max_choices: Mapped[int] = mapped_column(default=1)

    __table_args__ = (
        CheckConstraint("max_choices >= 1", name="max_choices_positive"),
        Index("ix_poll_question_poll", "poll_id", "position"),
    )


class PollOption(Base):
    __tablename__ = "poll_option"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("poll_question.id"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(200))

    __table_args__ = (Index("ix_poll_option_question", "question_id", "position"),)


class PollRespondent(Base):
    """That a citizen answered a poll: one row, so one answer, however many messengers
    or taps. No time and nothing that points at the answer."""

    __tablename__ = "poll_respondent"

    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id"), primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), primary_key=True)

    __table_args__ = (Index("ix_poll_respondent_citizen", "citizen_id"),)


class PollResponse(Base):
    """One citizen's answers to a poll, under a random key. ``citizen_id`` and
    ``answered_at`` are set only in a named poll."""

    __tablename__ = "poll_response"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id"))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id"))
    answered_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("poll_id", "citizen_id"),
        Index("ix_poll_response_poll", "poll_id"),
        Index("ix_poll_response_citizen", "citizen_id"),
    )


class PollAnswer(Base):
    """One chosen option, or one free text, of a response."""

    __tablename__ = "poll_answer"

    response_id: Mapped[str] = mapped_column(ForeignKey("poll_response.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("poll_question.id"), primary_key=True)
    # The option's id, or 0 for a free text.
    choice: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (Index("ix_poll_answer_question", "question_id", "choice"),)


__all__ = [
    "Poll",
    "PollAnswer",
    "PollOption",
    "PollQuestion",
    "PollRespondent",
    "PollResponse",
    "QuestionKind",
    "ResultsShown",
]
