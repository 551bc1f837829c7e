"""The e-polls module's buttons. Every id in them is untrusted: the rules check that an
option belongs to its question and the question to the poll being answered."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.payloads import Id, Index, Payload


@dataclass(frozen=True)
class PollList(Payload, prefix="yl"):
    pass


@dataclass(frozen=True)
class OpenPoll(Payload, prefix="yv"):
    poll_id: Id


@dataclass(frozen=True)
class StartAnswer(Payload, prefix="ya"):
    poll_id: Id


@dataclass(frozen=True)
class ShowQuestion(Payload, prefix="yq"):
    poll_id: Id
    index: Index


@dataclass(frozen=True)
class PickOption(Payload, prefix="yp"):
    poll_id: Id
    index: Index
    option_id: Id


@dataclass(frozen=True)
class FinishQuestion(Payload, prefix="yd"):
    """Done with a several-options question, or skip a text one."""

    poll_id: Id
    index: Index


@dataclass(frozen=True)
class ReviewAnswer(Payload, prefix="yr"):
    poll_id: Id


@dataclass(frozen=True)
class SubmitAnswer(Payload, prefix="yo"):
    poll_id: Id


@dataclass(frozen=True)
class ShowResults(Payload, prefix="yc"):
    poll_id: Id
