"""The count of a public council election, from public data only, so that anyone holding
the published ballot list computes the same result (``vzayemodiia tally``).

**Rank**: candidates by votes, most first. **Ties** (equal votes) are broken by lot, a
lot nobody can know or steer before the polls close: the candidate whose
``SHA-256(ballots_digest + ":" + candidate id)`` (hex, lower case) is smaller ranks
higher, where ``ballots_digest`` is the published digest of the whole ballot list.
**Seats** go down the ranking: a withdrawn candidate takes none, a candidate with no
votes takes none, and an organisation holds at most one seat (Cabinet Resolution
No. 996); the ranked candidates who take no seat but have votes form the **reserve**
list, in rank order (a vacancy goes to the first of it). The rest are not elected.
"""

from __future__ import annotations

import enum
import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class SeatOutcome(enum.StrEnum):
    ELECTED = "elected"
    RESERVE = "reserve"
    NOT_ELECTED = "not_elected"


@dataclass(frozen=True, slots=True)
class Contender:
    candidate_id: int
    organisation_id: int
    withdrawn: bool = False


@dataclass(frozen=True, slots=True)
class Placed:
    candidate_id: int
    votes: int
    rank: int
    outcome: SeatOutcome

    def as_dict(self) -> dict[str, int | str]:
        return {
            "candidate_id": self.candidate_id,
            "votes": self.votes,
            "rank": self.rank,
            "outcome": self.outcome.value,
        }


def lot(ballots_digest: str, candidate_id: int) -> str:
    """A candidate's lot for breaking a tie: smaller ranks higher."""
    return hashlib.sha256(f"{ballots_digest}:{candidate_id}".encode()).hexdigest()


def count_votes(ballots: Iterable[Sequence[int]]) -> Counter[int]:
    """Votes per candidate: each ballot gives one to every candidate it names."""
    votes: Counter[int] = Counter()
    for choices in ballots:
        votes.update(set(choices))
    return votes


def allocate(
    contenders: Sequence[Contender], votes: Counter[int], seats: int, ballots_digest: str
) -> list[Placed]:
    """Every candidate with their votes, rank (1 first) and outcome, in rank order."""
    ranked = sorted(
        contenders,
        key=lambda c: (-votes[c.candidate_id], lot(ballots_digest, c.candidate_id)),
    )
    seated_organisations: set[int] = set()
    placed = []
    for rank, contender in enumerate(ranked, start=1):
        got = votes[contender.candidate_id]
        if contender.withdrawn or got == 0:
            outcome = SeatOutcome.NOT_ELECTED
        elif len(seated_organisations) < seats and (
            contender.organisation_id not in seated_organisations
        ):
            seated_organisations.add(contender.organisation_id)
            outcome = SeatOutcome.ELECTED
        else:
            outcome = SeatOutcome.RESERVE
        placed.append(Placed(contender.candidate_id, got, rank, outcome))
    return placed
