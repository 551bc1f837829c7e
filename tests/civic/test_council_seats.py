"""The seat allocation of a council election on hand-worked cases: rank by votes, one
member per organisation, no seat without votes or for a withdrawn candidate, the reserve
list, and ties broken by the published lot."""

from __future__ import annotations

from collections import Counter

from civic.council_seats import Contender, Placed, SeatOutcome, allocate, count_votes, lot

DIGEST = "0" * 64
ELECTED, RESERVE, OUT = SeatOutcome.ELECTED, SeatOutcome.RESERVE, SeatOutcome.NOT_ELECTED


def _outcomes(placed: list[Placed]) -> list[tuple[int, int, int, SeatOutcome]]:
    return [(p.candidate_id, p.votes, p.rank, p.outcome) for p in placed]


def test_votes_are_counted_once_per_ballot_and_candidate() -> None:
    """Three ballots naming (1, 2), (2) and (2, 3): 1 → 1, 2 → 3, 3 → 1."""
    assert count_votes([[1, 2], [2], [2, 3]]) == Counter({1: 1, 2: 3, 3: 1})


def test_seats_go_down_the_ranking_and_the_rest_are_the_reserve() -> None:
    """Two seats, four candidates with 9, 7, 5 and 0 votes: the first two elected, the
    third in reserve, the fourth (no votes) not elected."""
    contenders = [Contender(10, 100), Contender(11, 101), Contender(12, 102), Contender(13, 103)]
    votes = Counter({10: 5, 11: 9, 12: 7})
    assert _outcomes(allocate(contenders, votes, 2, DIGEST)) == [
        (11, 9, 1, ELECTED),
        (12, 7, 2, ELECTED),
        (10, 5, 3, RESERVE),
        (13, 0, 4, OUT),
    ]


def test_an_organisation_holds_one_seat_at_most() -> None:
    """Organisation 100 has the two leading candidates (as a file of past elections might
    hold): its second goes to the reserve and the next organisation's candidate is seated."""
    contenders = [Contender(1, 100), Contender(2, 100), Contender(3, 200)]
    votes = Counter({1: 10, 2: 8, 3: 2})
    assert _outcomes(allocate(contenders, votes, 2, DIGEST)) == [
        (1, 10, 1, ELECTED),
        (2, 8, 2, RESERVE),
        (3, 2, 3, ELECTED),
    ]


def test_a_withdrawn_candidate_takes_no_seat_whatever_the_votes() -> None:
    """The leader withdrew after ballots named them: ranked by their votes, not elected,
    and the seat goes to the next."""
    contenders = [Contender(1, 100, withdrawn=True), Contender(2, 200), Contender(3, 300)]
    votes = Counter({1: 20, 2: 5, 3: 4})
    assert _outcomes(allocate(contenders, votes, 1, DIGEST)) == [
        (1, 20, 1, OUT),
        (2, 5, 2, ELECTED),
        (3, 4, 3, RESERVE),
    ]


def test_a_tie_is_broken_by_the_lot_of_the_published_digest() -> None:
    """Candidates 7 and 8 both have 3 votes for the last seat: the one whose
    SHA-256(digest:id) is smaller ranks first; with another digest the lot may turn, and
    the rule is the same for anyone recounting."""
    contenders = [Contender(7, 70), Contender(8, 80), Contender(9, 90)]
    votes = Counter({7: 3, 8: 3, 9: 6})
    for digest in ("a" * 64, "b" * 64, "c" * 64):
        first, second = sorted((7, 8), key=lambda candidate: lot(digest, candidate))
        assert _outcomes(allocate(contenders, votes, 2, digest)) == [
            (9, 6, 1, ELECTED),
            (first, 3, 2, ELECTED),
            (second, 3, 3, RESERVE),
        ]
    # The lots for the digest "a" * 64, as `echo -n "aaa…a:7" | sha256sum` gives them:
    # candidate 7 draws aa8f…, candidate 8 fa59…, so 7 wins that tie.
    assert lot("a" * 64, 7).startswith("aa8fa9f242eddb88")
    assert lot("a" * 64, 8).startswith("fa594e8311f99e2f")
    placed = allocate(contenders, votes, 2, "a" * 64)
    assert [(p.candidate_id, p.outcome) for p in placed] == [
        (9, ELECTED),
        (7, ELECTED),
        (8, RESERVE),
    ]
