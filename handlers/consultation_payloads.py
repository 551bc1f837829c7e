"""The e-consultations module's buttons. Every id in them is untrusted: the rules check
that a section belongs to the consultation, and a comment to the citizen who withdraws
it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from handlers.payloads import Id, Index, Payload
from storage.consultation_models import CommentKind, Stance


@dataclass(frozen=True)
class ConsultationList(Payload, prefix="kl"):
    pass


@dataclass(frozen=True)
class OpenConsultation(Payload, prefix="kv"):
    consultation_id: Id


@dataclass(frozen=True)
class ReadSection(Payload, prefix="ks"):
    """Section ``number`` (from 1), its ``part`` (from 0) when it is long."""

    consultation_id: Id
    number: Index
    part: Index


@dataclass(frozen=True)
class GoToSection(Payload, prefix="kg"):
    consultation_id: Id


@dataclass(frozen=True)
class TakeStance(Payload, prefix="kt"):
    """Support or object to section ``number`` (0: the whole draft)."""

    consultation_id: Id
    number: Index
    stance: Stance


@dataclass(frozen=True)
class WriteComment(Payload, prefix="kw"):
    consultation_id: Id
    number: Index
    kind: CommentKind


@dataclass(frozen=True)
class ReadComments(Payload, prefix="kr"):
    consultation_id: Id
    number: Index
    page: Index


@dataclass(frozen=True)
class FlagComment(Payload, prefix="kf"):
    comment_id: Id


@dataclass(frozen=True)
class MyComments(Payload, prefix="km"):
    consultation_id: Id


@dataclass(frozen=True)
class WithdrawComment(Payload, prefix="kx"):
    comment_id: Id


@dataclass(frozen=True)
class ShowReport(Payload, prefix="kp"):
    consultation_id: Id


class FlagReason(enum.StrEnum):
    OFFENSIVE = "offensive"
    SPAM = "spam"
    PERSONAL_DATA = "personal_data"
    OFF_TOPIC = "off_topic"


@dataclass(frozen=True)
class FlagBecause(Payload, prefix="kq"):
    comment_id: Id
    reason: FlagReason
