"""Council elections in the admin web: an administrator creates one, nominates a
candidate of a verified organisation (markup in the name shown as text), and counts it
once voting closed; results are hidden before; each change is audited once, without
ballots or voters; an analyst reads but changes nothing."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from aiohttp import FormData
from PIL import Image
from sqlalchemy import select

from civic.clock import FixedClock
from civic.elections import Elections, ElectionTerms
from civic.organisation_demo import ensure_demo_organisations
from storage.db import Database
from storage.election_models import Candidate, Election
from storage.official_models import AuditEntry, OfficialRole
from tests.admin.conftest import (
    Client,
    SignedIn,
    make_official,
    sign_in,
    sign_in_administrator,
)
from tests.helpers import make_authority
from tests.photo_support import camera_jpeg, small_png

# The admin form's terms (Kyiv times), as an administrator types them.
FORM_TERMS = {
    "title": "Громадська рада при міській раді",
    "seats": "3",
    "max_choices": "2",
    "opens_at": "2026-11-28T09:00",
    "closes_at": "2026-11-28T21:00",
}


async def _created(admin: SignedIn, authority_id: int) -> int:
    """An election made through the admin form with ``FORM_TERMS``; its id."""
    created = await admin.post("/admin/elections/new", authority_id=str(authority_id), **FORM_TERMS)
    assert created.status == 303, await created.text()
    found = re.fullmatch(r"/admin/elections/(\d+)\?done=created", created.headers["Location"])
    assert found
    return int(found.group(1))


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
    election_id = await _created(admin, authority_id)
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
    """The list and an election's page open for an analyst; the form, creating, editing
    the terms and counting are refused, and nothing changes."""
    now = clock.now()
    authority_id = await make_authority(database, now)
    terms = ElectionTerms(
        title="Громадська рада при міській раді",
        seats=3,
        max_choices=2,
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
    )
    async with database.transaction() as session:
        election_id = (await Elections(session).create(authority_id, terms, now)).id
    await make_official(database, clock, "analyst@example.org", OfficialRole.ANALYST)
    analyst = await sign_in(client, "analyst@example.org")
    assert (await analyst.client.get("/admin/elections")).status == 200
    assert (await analyst.client.get(f"/admin/elections/{election_id}")).status == 200
    assert (await analyst.client.get("/admin/elections/new")).status == 403
    assert (await analyst.post("/admin/elections/new", title="x")).status == 403
    edit = await analyst.post(
        f"/admin/elections/{election_id}/edit",
        title="Інша назва ради",
        seats="9",
        max_choices="2",
        opens_at="2026-12-01T09:00",
        closes_at="2026-12-01T21:00",
    )
    assert edit.status == 403
    assert (await analyst.post(f"/admin/elections/{election_id}/close")).status == 403
    async with database.transaction() as session:
        election = await session.get(Election, election_id)
        assert election is not None
        assert (election.title, election.seats) == (terms.title, 3)
    assert await _audit(database) == []


async def test_terms_are_edited_until_voting_opens(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Before opening: title, seats, limit and window change, audited with before and
    after; a window closing before it opens is refused with its reason; once voting has
    opened the edit is refused and nothing changes."""
    authority_id = await make_authority(database, clock.now())
    admin = await sign_in_administrator(client, database, clock)
    election_id = await _created(admin, authority_id)
    page = await (await admin.client.get(f"/admin/elections/{election_id}")).text()
    assert 'value="2026-11-28T09:00"' in page  # the form shows Kyiv time
    edited = await admin.post(
        f"/admin/elections/{election_id}/edit",
        **{**FORM_TERMS, "title": "Громадська рада при обласній раді", "seats": "15"},
    )
    assert edited.status == 303
    backwards = await admin.post(
        f"/admin/elections/{election_id}/edit", **{**FORM_TERMS, "closes_at": "2026-11-28T08:00"}
    )
    assert backwards.status == 409
    assert "Voting must close after it opens." in await backwards.text()
    clock.at = clock.now().replace(day=28, hour=10)
    client.session.cookie_jar.clear()
    admin = await sign_in_administrator(client, database, clock, "second@example.org")
    late = await admin.post(f"/admin/elections/{election_id}/edit", **FORM_TERMS)
    assert late.status == 409
    assert "Voting has begun" in await late.text()
    async with database.transaction() as session:
        election = await session.get(Election, election_id)
        assert election is not None
        assert (election.title, election.seats) == ("Громадська рада при обласній раді", 15)
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "election_edit"))
        ).all()
    assert len(entries) == 1
    assert entries[0].before is not None
    assert entries[0].before["seats"] == 3
    assert entries[0].after is not None
    assert entries[0].after["seats"] == 15


async def test_photos_are_uploaded_shown_and_published(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A candidate nominated with a photo and another given one later: the page shows
    them, the open data links each and serves a JPEG without the camera's metadata; a
    file that is no picture is refused with its reason and changes nothing."""
    authority_id = await make_authority(database, clock.now())
    async with database.transaction() as session:
        organisations, _added = await ensure_demo_organisations(session, clock.now())
    admin = await sign_in_administrator(client, database, clock)
    election_id = await _created(admin, authority_id)
    path = f"/admin/elections/{election_id}"
    for number, organisation in enumerate(organisations[:2]):
        form = FormData()
        form.add_field("csrf_token", admin.csrf)
        form.add_field("organisation_id", str(organisation.id))
        form.add_field("name", f"Кандидатка {number}")
        form.add_field("biography", "")
        if number == 0:
            form.add_field("photo", camera_jpeg(), filename="me.jpg", content_type="image/jpeg")
        sent = await client.post(f"{path}/candidates", data=form, allow_redirects=False)
        assert sent.status == 303, await sent.text()
    async with database.transaction() as session:
        standing = [c.id for c, _o in await Elections(session).candidates(election_id)]

    async def upload(content: bytes, filename: str) -> int:
        form = FormData()
        form.add_field("csrf_token", admin.csrf)
        form.add_field("candidate_id", str(standing[1]))
        form.add_field("photo", content, filename=filename, content_type="image/png")
        response = await client.post(f"{path}/photo", data=form, allow_redirects=False)
        if response.status != 303:
            assert "must be a JPEG or PNG picture" in await response.text()
        return response.status

    assert await upload(b"%PDF-1.7 not a picture", "cv.png") == 409
    assert await upload(small_png(), "face.png") == 303
    page = await (await client.get(path)).text()
    assert page.count(f'src="/api/v1/elections/{election_id}/candidates/') == 2
    published = await (await client.get(f"/api/v1/elections/{election_id}")).json()
    links = [candidate["photo_url"] for candidate in published["candidates"]]
    assert all(
        link.endswith(f"/candidates/{c}/photo") for link, c in zip(links, standing, strict=True)
    )
    photo = await client.get(f"/api/v1/elections/{election_id}/candidates/{standing[0]}/photo")
    assert photo.status == 200
    assert photo.headers["Content-Type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(await photo.read()))
    assert picture.size == (800, 600)
    assert dict(picture.getexif()) == {}
    elsewhere = f"/api/v1/elections/{election_id + 1}/candidates/{standing[0]}/photo"
    assert (await client.get(elsewhere)).status == 404
    actions = [action for action, _after in await _audit(database)]
    assert actions == [
        "election_create",
        "election_nominate",
        "election_nominate",
        "election_photo",
    ]
