"""A counted council election for the open-data and recount tests: five candidates of the
demo organisations, and ballots cast by verified citizens."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from civic.elections import Elections, ElectionTerms
from civic.organisation_demo import ensure_demo_organisations
from storage.db import Database
from storage.models import Citizen
from tests.helpers import make_authority

HOUR = timedelta(hours=1)
# Candidates by position (0-4), as each ballot names them.
BALLOTS = ([0, 1], [1], [1, 2], [2], [3], [0, 3], [1, 3])


async def counted_election(database: Database, now: datetime) -> tuple[int, list[int], list[str]]:
    """(election id, candidate ids, receipt codes) of an election counted at ``now``,
    which ran from five hours to two hours before it, with the ballots ``BALLOTS``."""
    start = now - 5 * HOUR
    authority_id = await make_authority(database, start, name=f"Рада {uuid.uuid4().hex[:6]}")
    async with database.transaction() as session:
        organisations, _added = await ensure_demo_organisations(session, start)
        rules = Elections(session)
        election = await rules.create(
            authority_id,
            ElectionTerms(
                title="Громадська рада при облраді",
                seats=2,
                max_choices=2,
                opens_at=start + HOUR,
                closes_at=now - 2 * HOUR,
            ),
            start,
        )
        candidates = [
            (await rules.nominate(election.id, o.id, f"Кандидат {n}", "", start)).id
            for n, o in enumerate(organisations)
        ]
    receipts = []
    for choices in BALLOTS:
        async with database.transaction() as session:
            citizen = Citizen(
                created_at=start,
                phone_hash=uuid.uuid4().hex,
                phone_hint="00",
                phone_verified_at=start,
            )
            session.add(citizen)
            await session.flush()
            cast = await Elections(session).cast(
                election.id, citizen.id, [candidates[i] for i in choices], start + 2 * HOUR
            )
            assert cast.receipt is not None
            receipts.append(cast.receipt)
    async with database.transaction() as session:
        await Elections(session).count(election.id, now)
    return election.id, candidates, receipts
