"""The stakeholder base in the admin web: add, edit and verify an organisation with the
checks of the CSV file, import and export the file, every change audited once, only
administrators change anything, and a name with markup shown as text."""

from __future__ import annotations

from aiohttp import FormData
from sqlalchemy import func, select

from civic.clock import FixedClock
from storage.db import Database
from storage.official_models import AuditEntry, OfficialRole
from storage.organisation_models import Organisation
from tests.admin.conftest import Client, make_official, sign_in, sign_in_administrator

GOOD = {
    "name": "ГО «Чисте місто»",
    "edrpou": "14360570",
    "region": "Київ",
    "contacts": "info@chyste.example.org",
    "registered_on": "2018-04-02",
}


async def _organisations(database: Database) -> list[Organisation]:
    async with database.transaction() as session:
        return list((await session.scalars(select(Organisation))).all())


async def _audit(database: Database, action: str) -> list[AuditEntry]:
    async with database.transaction() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return list(rows.all())


async def test_an_administrator_adds_edits_and_verifies_an_organisation(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Added unverified (the box unticked), found by a word of its name and by its code,
    then verified by the button: two audit entries, the second with before and after."""
    admin = await sign_in_administrator(client, database, clock)
    created = await admin.post("/admin/organisations/new", **GOOD)
    assert created.status == 303, await created.text()
    [organisation] = await _organisations(database)
    assert organisation.verified is False
    for search in ("чисте", "14360570"):
        listed = await admin.client.get(f"/admin/organisations?q={search}")
        assert "ГО «Чисте місто»" in await listed.text(), search
    verified = await admin.post(f"/admin/organisations/{organisation.id}/verify", verified="yes")
    assert verified.status == 303
    [organisation] = await _organisations(database)
    assert organisation.verified is True
    [made] = await _audit(database, "organisation_create")
    assert made.after is not None
    assert made.after["edrpou"] == "14360570"
    [verification] = await _audit(database, "organisation_verify")
    assert (verification.before, verification.after) == ({"verified": False}, {"verified": True})
    again = await admin.post(f"/admin/organisations/{organisation.id}/verify", verified="yes")
    assert again.status == 303
    assert len(await _audit(database, "organisation_verify")) == 1


async def test_a_bad_code_is_refused_with_its_reason_and_nothing_saved(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A code whose check digit is wrong: 400, the reason next to the field, no row and
    no audit entry."""
    admin = await sign_in_administrator(client, database, clock)
    response = await admin.post("/admin/organisations/new", **{**GOOD, "edrpou": "14360571"})
    assert response.status == 400
    assert "its last digit does not check" in await response.text()
    assert await _organisations(database) == []
    assert await _audit(database, "organisation_create") == []


async def test_only_administrators_change_the_base(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """An analyst reads the list but is refused the form, the save and the import."""
    await make_official(database, clock, "analyst@example.org", OfficialRole.ANALYST)
    analyst = await sign_in(client, "analyst@example.org")
    assert (await analyst.client.get("/admin/organisations")).status == 200
    assert (await analyst.client.get("/admin/organisations/new")).status == 403
    assert (await analyst.post("/admin/organisations/new", **GOOD)).status == 403
    assert (await analyst.client.get("/admin/organisations/import")).status == 403
    assert await _organisations(database) == []


async def test_markup_in_a_name_is_shown_as_text(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A name with a script tag is listed escaped, never as markup."""
    admin = await sign_in_administrator(client, database, clock)
    name = '<script>alert("x")</script> ГО'
    assert (await admin.post("/admin/organisations/new", **{**GOOD, "name": name})).status == 303
    page = await (await admin.client.get("/admin/organisations")).text()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; ГО" in page


async def test_the_file_goes_out_and_comes_back_all_or_nothing(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """The export imports back unchanged (audited); a file with one bad row is refused
    with its line and writes nothing."""
    admin = await sign_in_administrator(client, database, clock)
    await admin.post("/admin/organisations/new", **GOOD)
    exported = await admin.client.get("/admin/exports/organisations.csv")
    assert exported.status == 200
    body = await exported.read()
    assert body.decode().splitlines()[1].split(",")[1:3] == [GOOD["name"], GOOD["edrpou"]]

    async def upload(data: bytes) -> tuple[int, str]:
        form = FormData()
        form.add_field("csrf_token", admin.csrf)
        form.add_field("file", data, filename="organisations.csv", content_type="text/csv")
        response = await admin.client.post("/admin/organisations/import", data=form)
        return response.status, await response.text()

    status, page = await upload(body)
    assert status == 200
    assert "0 created, 0 updated, 1 unchanged" in page
    assert len(await _audit(database, "organisations_import")) == 1
    status, page = await upload(b"name,edrpou\n\xd0\x93\xd0\x9e X,21560766\nGood name,123\n")
    assert status == 400
    assert "is not an EDRPOU code of eight digits" in page
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == 1
