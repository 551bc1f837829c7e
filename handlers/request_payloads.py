"""The information requests module's buttons."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from handlers.payloads import Id, Payload


class AnswerBy(enum.StrEnum):
    CHAT = "chat"
    EMAIL = "email"


@dataclass(frozen=True)
class RequestsSection(Payload, prefix="rq"):
    pass


@dataclass(frozen=True)
class NewRequest(Payload, prefix="rqn"):
    pass


@dataclass(frozen=True)
class RequestAuthority(Payload, prefix="rqa"):
    authority_id: Id


@dataclass(frozen=True)
class ChooseUrgency(Payload, prefix="rqu"):
    urgent: bool


@dataclass(frozen=True)
class ChooseAnswerBy(Payload, prefix="rqd"):
    answer_by: AnswerBy


@dataclass(frozen=True)
class SendRequest(Payload, prefix="rqok"):
    pass


@dataclass(frozen=True)
class MyRequests(Payload, prefix="rqm"):
    pass


@dataclass(frozen=True)
class OpenRequest(Payload, prefix="rqo"):
    request_id: Id


@dataclass(frozen=True)
class AnswerClarification(Payload, prefix="rqc"):
    request_id: Id


@dataclass(frozen=True)
class WithdrawRequest(Payload, prefix="rqw"):
    request_id: Id


@dataclass(frozen=True)
class ConfirmWithdrawal(Payload, prefix="rqwy"):
    request_id: Id
