"""Council elections' rules: nominations, every refusal of a ballot with nothing stored,
one ballot per citizen (also under 500 concurrent casts on PostgreSQL), the count with
its two unlinked lists, receipts, and voters owed the result."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from civic.ballot_lists import digest, receipt_hash
from civic.clock import FixedClock
from civic.council_seats import SeatOutcome
from civic.elections import CastOutcome, ElectionError, Elections, ElectionTerms, merge_step
from civic.organisation_demo import ensure_demo_organisations
from civic.text import TextProblem
from storage.db import Database
from storage.election_models import (
    Ballot,
    Election,
    ElectionReceipt,
    ElectionVoter,
)
from storage.models import Citizen
from storage.outbox_models import FanOut
from tests.helpers import make_authority

HOUR = timedelta(hours=1)


async def _election(
    database: Database, now: datetime, *, seats: int = 2, max_choices: int = 2
) -> tuple[int, list[int]]:
    """An election opening in an hour for two hours, with one candidate from each of the
    five demo organisations; (its id, the candidates' ids)."""
    async with database.transaction() as session:
        existing = await session.scalar(select(func.count()).select_from(Election))
    authority_id = await make_authority(database, now, name=f"Рада громади {existing}")
    async with database.transaction() as session:
        organisations, _added = await ensure_demo_organisations(session, now)
        rules = Elections(session)
        election = await rules.create(
            authority_id,
            ElectionTerms(
                title="Громадська рада при міській раді",
                seats=seats,
                max_choices=max_choices,
                opens_at=now + HOUR,
                closes_at=now + 3 * HOUR,
            ),
            now,
        )
        candidates = [
            (
                await rules.nominate(
                    election.id, organisation.id, f"Кандидатка {n}", "Біографія.", now
                )
            ).id
            for n, organisation in enumerate(organisations, start=1)
        ]
        return election.id, candidates


async def _voter(database: Database, now: datetime, *, verified: bool = True) -> int:
    async with database.transaction() as session:
        citizen = Citizen(created_at=now)
        if verified:
            citizen.phone_hash = f"hash-{uuid.uuid4().hex}"
            citizen.phone_hint = "42"
            citizen.phone_verified_at = now
        session.add(citizen)
        await session.flush()
        return citizen.id


async def _stored(database: Database) -> tuple[int, int, int, int]:
    """Voters, ballots, choices and receipts stored."""
    async with database.transaction() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (ElectionVoter, Ballot, ElectionReceipt)
        ]
        choices = sum(len(chosen) for chosen in await session.scalars(select(Ballot.choices)))
    voters, ballots, receipts = (int(count or 0) for count in counts)
    return voters, ballots, choices, receipts


async def _cast(
    database: Database, election_id: int, citizen_id: int, choices: list[int], now: datetime
):  # type: ignore[no-untyped-def]
    async with database.transaction() as session:
        return await Elections(session).cast(election_id, citizen_id, choices, now)


async def test_each_refused_ballot_says_why_and_stores_nothing(
    database: Database, clock: FixedClock
) -> None:
    """Before opening, after closing, without a verified phone, naming too many, a
    withdrawn candidate, or another election's candidate: each refused with its reason,
    and no voter, ballot, choice or receipt is stored."""
    now = clock.now()
    election_id, candidates = await _election(database, now, max_choices=2)
    other_id, others = await _election(database, now)
    async with database.transaction() as session:
        await Elections(session).withdraw(candidates[4], now)
    verified, unverified = await _voter(database, now), await _voter(database, now, verified=False)
    during = now + 2 * HOUR
    cases = [
        (verified, candidates[:1], now, "not_open_yet"),
        (verified, candidates[:1], now + 3 * HOUR, "closed"),
        (unverified, candidates[:1], during, "verification_required"),
        (verified, candidates[:3], during, "too_many_choices"),
        (verified, [candidates[4]], during, "withdrawn_candidate"),
        (verified, [candidates[0], others[1]], during, "unknown_candidate"),
        (verified, [], during, "no_choice"),
    ]
    for citizen_id, choices, moment, reason in cases:
        with pytest.raises(ElectionError) as refused:
            await _cast(database, election_id, citizen_id, choices, moment)
        assert refused.value.code == reason
    assert await _stored(database) == (0, 0, 0, 0)
    assert other_id != election_id


@dataclass
class SentQueries:
    """The queries asyncpg sent on a connection, as its query logger reports them."""

    queries: list[str] = field(default_factory=list)

    def record(self, logged: Any) -> None:
        self.queries.append(logged.query)

    def ours(self) -> list[str]:
        # asyncpg asks the server about a type the first time a connection meets it.
        return [q for q in self.queries if "pg_catalog" not in q and "jit" not in q]


async def test_a_cast_is_one_statement_on_postgresql(
    backend: str, database: Database, clock: FixedClock
) -> None:
    """On PostgreSQL, casting (every check, the voter, the ballot, its choices and the
    receipt) is one statement on the wire, as signing a petition is; a refusal too."""
    if backend != "postgresql":
        pytest.skip("the one-statement path is PostgreSQL's")
    now = clock.now()
    election_id, candidates = await _election(database, now)
    citizen = await _voter(database, now)
    for choices, refusal in ((candidates[:2], None), ([], "no_choice")):
        sent = SentQueries()
        async with database.transaction() as session:
            connection = (await session.connection()).sync_connection
            assert connection is not None
            raw = connection.connection.driver_connection
            raw.add_query_logger(sent.record)
            try:
                cast = Elections(session).cast(election_id, citizen, choices, now + 2 * HOUR)
                if refusal is None:
                    assert (await cast).outcome is CastOutcome.CAST
                else:
                    with pytest.raises(ElectionError, match=refusal):
                        await cast
            finally:
                raw.remove_query_logger(sent.record)
        assert len(sent.ours()) == 1, sent.queries
    assert await _stored(database) == (1, 1, 2, 1)


async def test_one_ballot_per_citizen_with_a_receipt(database: Database, clock: FixedClock) -> None:
    """The first cast stores one voter, ballot, two choices and a receipt's hash, and
    shows the code; a second cast (another messenger, a second tap) is told it already
    voted and stores nothing more."""
    now = clock.now()
    election_id, candidates = await _election(database, now)
    citizen = await _voter(database, now)
    first = await _cast(database, election_id, citizen, candidates[:2], now + 2 * HOUR)
    assert first.outcome is CastOutcome.CAST
    assert first.receipt is not None
    assert len(first.receipt) == 14
    again = await _cast(database, election_id, citizen, candidates[2:3], now + 2 * HOUR)
    assert (again.outcome, again.receipt) == (CastOutcome.ALREADY_VOTED, None)
    assert await _stored(database) == (1, 1, 2, 1)
    async with database.transaction() as session:
        stored = await session.scalar(select(ElectionReceipt.code_hash))
    assert stored == receipt_hash(first.receipt)


async def test_500_concurrent_casts_count_each_citizen_once(
    backend: str, database: Database, clock: FixedClock
) -> None:
    """On PostgreSQL, 400 citizens cast at once, 100 of them twice more in parallel (as
    from their other messenger): 400 ballots, each from a distinct citizen, and the count
    equals the rows."""
    if backend != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL")
    now = clock.now()
    election_id, candidates = await _election(database, now, max_choices=1)
    citizens = [await _voter(database, now) for _ in range(400)]
    during = now + 2 * HOUR
    attempts = [
        (citizen, [candidates[number % 5]])
        for number, citizen in enumerate(citizens + citizens[:50] + citizens[:50])
    ]
    results = await asyncio.gather(
        *(_cast(database, election_id, citizen, choice, during) for citizen, choice in attempts)
    )
    outcomes = [result.outcome for result in results]
    assert outcomes.count(CastOutcome.CAST) == 400
    assert outcomes.count(CastOutcome.ALREADY_VOTED) == 100
    assert await _stored(database) == (400, 400, 400, 400)
    async with database.transaction() as session:
        voters = set(await session.scalars(select(ElectionVoter.citizen_id)))
        counted = await Elections(session).count(election_id, now + 3 * HOUR)
    assert voters == set(citizens)
    assert counted.ballot_count == 400
    assert counted.results is not None
    assert sum(int(place["votes"]) for place in counted.results) == 400


async def test_the_count_publishes_two_unlinked_lists_and_owes_the_result(
    database: Database, clock: FixedClock
) -> None:
    """Five voters: the results rank and seat them, the ballots list holds every ballot's
    choices in ascending order and nothing else, the receipts list the sorted hashes,
    both with digests of their canonical JSON; a real receipt is counted, a made-up one
    not; every voter is owed the result through one fan-out; a second count is refused."""
    now = clock.now()
    election_id, candidates = await _election(database, now, seats=2, max_choices=2)
    during = now + 2 * HOUR
    ballots = [candidates[:2], [candidates[1]], [candidates[1], candidates[2]], [candidates[2]]]
    receipts = []
    for choices in [*ballots, [candidates[3]]]:
        cast = await _cast(database, election_id, await _voter(database, now), choices, during)
        receipts.append(cast.receipt)
    async with database.transaction() as session:
        rules = Elections(session)
        with pytest.raises(ElectionError) as early:
            await rules.count(election_id, during)
        assert early.value.code == "still_open"
        assert await rules.receipt_counted(election_id, str(receipts[0])) is None
    async with database.transaction() as session:
        election = await Elections(session).count(election_id, now + 3 * HOUR)
        results, published = election.results, election.published_ballots
        ballots_digest, receipts_list = election.ballots_digest, election.published_receipts
    assert results is not None
    assert published is not None
    assert receipts_list is not None
    by_candidate = {int(place["candidate_id"]): place for place in results}
    assert by_candidate[candidates[1]]["votes"] == 3
    assert by_candidate[candidates[1]]["outcome"] == SeatOutcome.ELECTED
    assert by_candidate[candidates[2]]["outcome"] == SeatOutcome.ELECTED
    assert by_candidate[candidates[0]]["outcome"] == SeatOutcome.RESERVE
    assert by_candidate[candidates[4]]["outcome"] == SeatOutcome.NOT_ELECTED
    listed = json.loads(published)
    assert sorted(tuple(b["choices"]) for b in listed) == sorted(
        tuple(sorted(c)) for c in [*ballots, [candidates[3]]]
    )
    assert all(set(ballot) == {"choices"} for ballot in listed)
    assert ballots_digest == digest(listed)
    assert json.loads(receipts_list) == sorted(receipt_hash(str(code)) for code in receipts)
    async with database.transaction() as session:
        rules = Elections(session)
        assert await rules.receipt_counted(election_id, str(receipts[2])) is True
        assert await rules.receipt_counted(election_id, "AAAA-BBBB-CCCC") is False
        assert await session.scalar(select(func.count()).select_from(FanOut)) == 1
        with pytest.raises(ElectionError) as twice:
            await rules.count(election_id, now + 4 * HOUR)
        assert twice.value.code == "already_counted"


async def test_nominations_need_a_verified_organisation_once_and_before_opening(
    database: Database, clock: FixedClock
) -> None:
    """A second candidate of one organisation, an unverified organisation, and a
    nomination once voting has begun are refused."""
    now = clock.now()
    election_id, _candidates = await _election(database, now)
    async with database.transaction() as session:
        organisations, _added = await ensure_demo_organisations(session, now)
        organisations[0].verified = False
        rules = Elections(session)
        for organisation_id, moment, reason in (
            (organisations[1].id, now, "organisation_has_a_candidate"),
            (organisations[0].id, now, "organisation_not_verified"),
            (organisations[1].id, now + 2 * HOUR, "already_open"),
        ):
            with pytest.raises(ElectionError) as refused:
                await rules.nominate(election_id, organisation_id, "Ще одна", "", moment)
            assert refused.value.code == reason


async def test_terms_change_whole_or_not_at_all_and_only_before_opening(
    database: Database, clock: FixedClock
) -> None:
    """Before opening every term changes at once; a refused edit (seats, limit, window,
    title) changes none of them; once voting has begun, and for no election, the edit is
    refused."""
    now = clock.now()
    election_id, _candidates = await _election(database, now)
    moved = ElectionTerms(
        title="Громадська рада при обласній раді",
        seats=7,
        max_choices=3,
        opens_at=now + 2 * HOUR,
        closes_at=now + 5 * HOUR,
    )
    refused_terms = [
        (replace(moved, seats=36), "seats_out_of_range"),
        (replace(moved, max_choices=0), "max_choices_out_of_range"),
        (replace(moved, closes_at=moved.opens_at), "closes_before_it_opens"),
    ]
    async with database.transaction() as session:
        rules = Elections(session)
        for terms, reason in refused_terms:
            with pytest.raises(ElectionError) as refused:
                await rules.edit(election_id, terms, now)
            assert refused.value.code == reason
        with pytest.raises(TextProblem):
            await rules.edit(election_id, replace(moved, title="??"), now)
        with pytest.raises(ElectionError) as missing:
            await rules.edit(election_id + 1000, moved, now)
        assert missing.value.code == "not_found"
    async with database.transaction() as session:
        election = await session.get(Election, election_id)
        assert election is not None
        assert (election.title, election.seats, election.max_choices) == (
            "Громадська рада при міській раді",
            2,
            2,
        )
        await Elections(session).edit(election_id, moved, now)
    async with database.transaction() as session:
        election = await session.get(Election, election_id)
        assert election is not None
        assert (election.title, election.seats, election.max_choices) == (moved.title, 7, 3)
        assert (election.opens_at, election.closes_at) == (moved.opens_at, moved.closes_at)
        with pytest.raises(ElectionError) as late:
            await Elections(session).edit(election_id, moved, now + 2 * HOUR)
        assert late.value.code == "already_open"


async def test_a_merged_citizen_keeps_one_voter_row(database: Database, clock: FixedClock) -> None:
    """Merging moves the source's voter rows to the target, and where both voted (which
    the phone rule prevents) one row stays."""
    now = clock.now()
    first_id, first_candidates = await _election(database, now)
    second_id, second_candidates = await _election(database, now)
    source, target = await _voter(database, now), await _voter(database, now)
    during = now + 2 * HOUR
    await _cast(database, first_id, source, first_candidates[:1], during)
    await _cast(database, second_id, source, second_candidates[:1], during)
    await _cast(database, second_id, target, second_candidates[1:2], during)
    async with database.transaction() as session:
        await merge_step(session, source, target)
    async with database.transaction() as session:
        rows = (
            await session.execute(select(ElectionVoter.election_id, ElectionVoter.citizen_id))
        ).all()
    assert sorted(rows) == sorted([(first_id, target), (second_id, target)])
