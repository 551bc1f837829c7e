"""The council elections module's buttons. Every id in them is untrusted: the rules check
that a candidate belongs to the election being voted in."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.payloads import Id, Index, Payload


@dataclass(frozen=True)
class ElectionList(Payload, prefix="el"):
    pass


@dataclass(frozen=True)
class OpenElection(Payload, prefix="ev"):
    election_id: Id
    page: Index


@dataclass(frozen=True)
class ToggleCandidate(Payload, prefix="et"):
    election_id: Id
    candidate_id: Id
    page: Index


@dataclass(frozen=True)
class ReviewBallot(Payload, prefix="er"):
    election_id: Id


@dataclass(frozen=True)
class CastBallot(Payload, prefix="ec"):
    election_id: Id


@dataclass(frozen=True)
class CheckReceipt(Payload, prefix="ek"):
    election_id: Id


@dataclass(frozen=True)
class ShowCandidate(Payload, prefix="ep"):
    """A candidate's photo and whole biography, from a page of the election."""

    election_id: Id
    candidate_id: Id
    page: Index
