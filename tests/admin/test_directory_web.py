"""The directory of authorities in the admin web: add and edit one authority with the
checks of the CSV import, import and export the whole file, every change audited, and
only administrators change anything."""

from __future__ import annotations

import csv
import io

from aiohttp import ClientResponse, FormData
from sqlalchemy import func, select

from civic.clock import FixedClock
from storage.db import Database
from storage.models import Authority
from storage.official_models import AuditEntry, OfficialRole
from tests.admin.conftest import Client, SignedIn, make_official, sign_in, sign_in_administrator
from tests.helpers import make_authority

GOOD = {
    "name_uk": "Житомирська міська рада",
    "name_en": "Zhytomyr City Council",
    "level": "local",
    "region": "Житомирська область",
    "address": "майдан Соборний, 4/2, Житомир",
    "phone": "0412 48 12 00",
    "request_email": "zapyt@zt-rada.gov.ua",
    "website": "https://zt-rada.gov.ua",
    "public_council_url": "",
    "petition_threshold": "1000",
    "petition_period_months": "",
    "petition_period_days": "60",
}


async def _count(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count(Authority.id))) or 0)


async def _audit(database: Database, action: str) -> list[AuditEntry]:
    async with database.transaction() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return list(rows.all())


async def test_an_administrator_adds_an_authority(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """The form adds an authority with its phone in E.164, it is listed and found by a
    word of its name, and the audit log holds its fields."""
    admin = await sign_in_administrator(client, database, clock)
    response = await admin.post("/admin/authorities/new", **GOOD)
    assert response.status == 303, await response.text()
    async with database.transaction() as session:
        authority = await session.scalar(
            select(Authority).where(Authority.name_uk == GOOD["name_uk"])
        )
    assert authority is not None
    assert authority.phone == "+380412481200"
    assert authority.petition_period_days == 60
    listing = await (await client.get("/admin/authorities?q=житомирська")).text()
    assert f'/admin/authorities/{authority.id}"' in listing
    [entry] = await _audit(database, "authority_create")
    assert entry.before is None
    assert entry.after is not None
    assert entry.after["name_en"] == "Zhytomyr City Council"


async def test_a_bad_form_says_what_is_wrong_and_saves_nothing(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A bad phone and both petition periods set: the form comes back with each problem
    by its field, as the CSV import words it, and nothing is written."""
    admin = await sign_in_administrator(client, database, clock)
    before = await _count(database)
    response = await admin.post(
        "/admin/authorities/new", **{**GOOD, "phone": "12", "petition_period_months": "3"}
    )
    page = await response.text()
    assert response.status == 400
    assert "is not a valid phone number" in page
    assert "set exactly one of them" in page
    assert 'value="Zhytomyr City Council"' in page  # what was typed is kept
    assert await _count(database) == before
    assert await _audit(database, "authority_create") == []


async def test_a_new_authority_cannot_take_an_existing_name(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Adding an authority under a name another one has is refused, naming that one,
    and the existing authority is not changed."""
    existing = await make_authority(database, clock.now(), name=GOOD["name_uk"], threshold=500)
    admin = await sign_in_administrator(client, database, clock)
    response = await admin.post("/admin/authorities/new", **GOOD)
    assert response.status == 400
    assert f"authority {existing} already has this name" in await response.text()
    async with database.transaction() as session:
        authority = await session.get(Authority, existing)
        assert authority is not None
        assert authority.petition_threshold == 500


async def test_editing_an_authority_is_audited_with_before_and_after(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Changing the threshold on the authority's page saves it; the audit entry holds
    the old and the new value."""
    authority_id = await make_authority(database, clock.now(), name=GOOD["name_uk"], threshold=500)
    admin = await sign_in_administrator(client, database, clock)
    page = await (await client.get(f"/admin/authorities/{authority_id}")).text()
    assert 'name="petition_threshold"' in page
    response = await admin.post(f"/admin/authorities/{authority_id}", **GOOD)
    assert response.status == 303
    [entry] = await _audit(database, "authority_edit")
    assert entry.object_id == str(authority_id)
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["petition_threshold"], entry.after["petition_threshold"]) == (500, 1000)
    assert (await client.get("/admin/authorities/999999")).status == 404


async def test_the_directory_goes_out_and_back_in_as_csv(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """The exported file, edited and uploaded, updates the authority it names; a file
    with one bad row writes nothing and lists the problem with its line."""
    authority_id = await make_authority(database, clock.now(), name="Сільська рада", threshold=50)
    admin = await sign_in_administrator(client, database, clock)
    exported = await (await client.get("/admin/exports/authorities.csv")).text()
    rows = list(csv.DictReader(io.StringIO(exported)))
    [row] = [r for r in rows if r["id"] == str(authority_id)]
    row["petition_threshold"] = "75"
    good = _csv_bytes(list(rows[0].keys()), [row])

    imported = await _upload(admin, good, "directory.csv")
    assert imported.status == 200
    assert "0 created, 1 updated, 0 unchanged" in await imported.text()
    async with database.transaction() as session:
        authority = await session.get(Authority, authority_id)
        assert authority is not None
        assert authority.petition_threshold == 75
    [entry] = await _audit(database, "directory_import")
    assert entry.after == {"file": "directory.csv", "created": 0, "updated": 1, "unchanged": 0}

    bad = _csv_bytes(
        list(rows[0].keys()),
        [
            {**row, "petition_threshold": "100"},
            {**row, "id": "", "name_uk": "Нова рада", "level": "village"},
        ],
    )
    refused = await _upload(admin, bad, "bad.csv")
    page = await refused.text()
    assert refused.status == 400
    assert "nothing was written" in page
    assert "unknown level" in page
    assert "<td>3</td>" in page  # the bad row is line 3 (the header is line 1)
    async with database.transaction() as session:
        authority = await session.get(Authority, authority_id)
        assert authority is not None
        assert authority.petition_threshold == 75


async def test_problems_are_told_in_the_officials_language(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A Ukrainian-speaking administrator reads the form's problems in Ukrainian, with
    the value they typed in them."""
    admin = await sign_in_administrator(client, database, clock)
    await admin.post("/admin/language", language="uk", back="/admin/authorities/new")
    response = await admin.post("/admin/authorities/new", **{**GOOD, "phone": "12"})
    page = await response.text()
    assert response.status == 400
    assert "&#39;12&#39; — недійсний номер телефону" in page


async def test_only_administrators_change_the_directory(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A moderator reads the directory but cannot add, edit or import."""
    authority_id = await make_authority(database, clock.now(), name="Сільська рада")
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    moderator = await sign_in(client, "mod@example.org")
    assert (await client.get("/admin/authorities")).status == 200
    assert (await client.get("/admin/authorities/new")).status == 403
    assert (await moderator.post("/admin/authorities/new", **GOOD)).status == 403
    assert (await moderator.post(f"/admin/authorities/{authority_id}", **GOOD)).status == 403
    assert (await moderator.post("/admin/authorities/import")).status == 403
    async with database.transaction() as session:
        authority = await session.get(Authority, authority_id)
        assert authority is not None
        assert authority.name_uk == "Сільська рада"


def _csv_bytes(header: list[str], rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


async def _upload(admin: SignedIn, data: bytes, name: str) -> ClientResponse:
    form = FormData()
    form.add_field("csrf_token", admin.csrf)
    form.add_field("file", data, filename=name, content_type="text/csv")
    return await admin.client.post("/admin/authorities/import", data=form)
