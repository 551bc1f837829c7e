"""Council elections in the admin web: an administrator creates one, nominates a
candidate of a verified organisation (markup in the name shown as text), and counts it
once voting closed; results are hidden before; each change is audited once, without
ballots or voters; an analyst reads but changes nothing."""

from __future__ import annotations

import re

from sqlalchemy import select

from civic.clock import FixedClock
from civic.organisation_demo import ensure_demo_organisations
from storage.db import Database
from storage.election_models import Candidate, Election
from storage.official_models import AuditEntry, OfficialRole
from tests.admin.conftest import Client, make_official, sign_in, sign_in_administrator
from tests.helpers import make_authority


async def _audit(database: Database) -> list[tuple[str, dict[str, object] | None]]:
    async with database.transaction() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("election%")).order_by(AuditEntry.id)
        )
        return [(entry.action, entry.after) for entry in rows]


async def test_an_administrator_runs_an_election_to_its_count(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Create (Kyiv times in the form), nominate with a scripted name shown escaped, no
    results before closing, count after it: four audit entries, none naming a voter."""
    authority_id = await make_authority(database, clock.now())
    async with database.transaction() as session:
        organisations, _added = await ensure_demo_organisations(session, clock.now())
    admin = await sign_in_administrator(client, database, clock)
    created = await admin.post(
        "/admin/elections/new",
        authority_id=str(authority_id),
        title="Громадська рада при міській раді",
        seats="3",
        max_choices="2",
        opens_at="2026-11-28T09:00",
        closes_at="2026-11-28T21:00",
    )
    assert created.status == 303, await created.text()
    found = re.fullmatch(r"/admin/elections/(\d+)\?done=created", created.headers["Location"])
    assert found
    election_id = int(found.group(1))
    name = "<b>Оксана</b> Гребенюк"
    nominated = await admin.post(
        f"/admin/elections/{election_id}/candidates",
        organisation_id=str(organisations[0].id),
        name=name,
        biography="Юристка.",
    )
    assert nominated.status == 303
    page = await (await admin.client.get(f"/admin/elections/{election_id}")).text()
    assert "&lt;b&gt;Оксана&lt;/b&gt; Гребенюк" in page
    assert "<b>Оксана</b>" not in page
    assert "Results are shown only after voting closes" in page
    early = await admin.post(f"/admin/elections/{election_id}/close")
    assert early.status == 409
    clock.at = clock.now().replace(day=29)
    client.session.cookie_jar.clear()  # the session ended in the meantime
    admin = await sign_in_administrator(client, database, clock, "second@example.org")
    counted = await admin.post(f"/admin/elections/{election_id}/close")
    assert counted.status == 303
    page = await (await admin.client.get(f"/admin/elections/{election_id}")).text()
    assert "0 ballots counted." in page
    async with database.transaction() as session:
        election = await session.get(Election, election_id)
        assert election is not None
        assert election.counted_at is not None
        assert election.opens_at.isoformat() == "2026-11-28T07:00:00+00:00"
        assert (await session.scalar(select(Candidate.name))) == name
    actions = [action for action, _after in await _audit(database)]
    assert actions == ["election_create", "election_nominate", "election_close"]


async def test_an_analyst_reads_but_does_not_run_elections(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """The list opens for an analyst; the form, creating and counting are refused."""
    await make_official(database, clock, "analyst@example.org", OfficialRole.ANALYST)
    analyst = await sign_in(client, "analyst@example.org")
    assert (await analyst.client.get("/admin/elections")).status == 200
    assert (await analyst.client.get("/admin/elections/new")).status == 403
    assert (await analyst.post("/admin/elections/new", title="x")).status == 403
    assert await _audit(database) == []
