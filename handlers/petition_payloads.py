"""The petitions module's buttons."""

from __future__ import annotations

from dataclasses import dataclass

from civic.petitions import PetitionSort
from handlers.payloads import Id, Index, Payload


@dataclass(frozen=True)
class PetitionList(Payload, prefix="pl"):
    sort: PetitionSort
    page: Index


@dataclass(frozen=True)
class SearchPetitions(Payload, prefix="pq"):
    pass


@dataclass(frozen=True)
class ClearSearch(Payload, prefix="pqx"):
    pass


@dataclass(frozen=True)
class OpenPetition(Payload, prefix="pv"):
    petition_id: Id


@dataclass(frozen=True)
class SignPetition(Payload, prefix="ps"):
    petition_id: Id


@dataclass(frozen=True)
class SharePetition(Payload, prefix="psh"):
    petition_id: Id


@dataclass(frozen=True)
class NewPetition(Payload, prefix="pn"):
    pass


@dataclass(frozen=True)
class PetitionAuthority(Payload, prefix="pna"):
    authority_id: Id


@dataclass(frozen=True)
class SubmitPetition(Payload, prefix="pnok"):
    pass


@dataclass(frozen=True)
class MyPetitions(Payload, prefix="mep"):
    pass


@dataclass(frozen=True)
class MySignatures(Payload, prefix="mes"):
    pass


OPEN_PETITIONS = PetitionList(PetitionSort.NEWEST, 0)
