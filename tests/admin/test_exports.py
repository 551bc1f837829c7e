"""CSV exports from the admin web: what each holds, that they stay within the official's
authorities, that they arrive streamed, and that citizens' text cannot run as a formula."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from civic.audit import Actor, record
from civic.clock import FixedClock
from civic.information_requests import InformationRequests
from civic.petitions import Petitions
from storage.db import Database
from storage.models import Citizen
from storage.official_models import OfficialRole
from tests.admin.conftest import Client, file_request, make_official, sign_in
from tests.admin.test_access import _petition_in_moderation
from tests.helpers import make_authority, make_open_petition

_KYIV = ZoneInfo("Europe/Kyiv")


async def _csv(client: Client, path: str) -> list[list[str]]:
    response = await client.get(path, allow_redirects=False)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    body = (await response.read()).decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheets then read it as UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


async def _sign(database: Database, clock: FixedClock, petition_id: int, citizens: int) -> None:
    async with database.transaction() as session:
        petitions = Petitions(session)
        for _ in range(citizens):
            citizen = Citizen(created_at=clock.now())
            session.add(citizen)
            await session.flush()
            await petitions.sign(petition_id, citizen.id, "telegram", clock.now())


async def test_petitions_export_has_the_counts_and_honours_the_filter(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Each petition is one row with its signature count and status as the chat names
    it; ``?status=`` keeps the list page's filter."""
    await make_official(database, clock, "analyst@example.org", OfficialRole.ANALYST)
    open_id = await make_open_petition(database, clock.now(), title="Сквер на Подолі")
    await _sign(database, clock, open_id, 3)
    waiting_id = await _petition_in_moderation(database, clock, "Ліхтарі на Лесі Українки")
    await sign_in(client, "analyst@example.org")

    rows = await _csv(client, "/admin/exports/petitions.csv")
    header, *petitions = rows
    assert header[:4] == ["Number", "Title", "Authority", "Status"]
    by_id = {row[0]: row for row in petitions}
    assert set(by_id) == {str(open_id), str(waiting_id)}
    assert by_id[str(open_id)][header.index("Signatures")] == "3"
    assert by_id[str(open_id)][header.index("Status")] == "collecting signatures"
    assert by_id[str(waiting_id)][header.index("Signatures")] == "0"

    [only] = (await _csv(client, "/admin/exports/petitions.csv?status=moderation"))[1:]
    assert only[0] == str(waiting_id)


async def test_a_title_that_looks_like_a_formula_is_exported_as_text(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A citizen's title starting with "=" is prefixed with an apostrophe, so that a
    spreadsheet shows it instead of running it."""
    await make_official(database, clock, "analyst@example.org", OfficialRole.ANALYST)
    title = '=HYPERLINK("http://evil.example","Підписати")'
    await _petition_in_moderation(database, clock, title)
    await sign_in(client, "analyst@example.org")
    [_, row] = await _csv(client, "/admin/exports/petitions.csv")
    assert row[1] == "'" + title


async def test_signatures_per_day_add_up_to_the_count(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Signatures on two Kyiv days give two rows for the petition, which add up to its
    count; ``?petition=`` keeps one petition."""
    await make_official(database, clock, "analyst@example.org", OfficialRole.ANALYST)
    authority_id = await make_authority(database, clock.now())
    petition_id = await make_open_petition(database, clock.now(), authority_id=authority_id)
    other_id = await make_open_petition(
        database, clock.now(), title="Інша петиція про парк", authority_id=authority_id
    )
    await _sign(database, clock, petition_id, 2)
    await _sign(database, clock, other_id, 1)
    clock.at += timedelta(days=1)
    await _sign(database, clock, petition_id, 3)
    await sign_in(client, "analyst@example.org")

    rows = (await _csv(client, f"/admin/exports/signatures.csv?petition={petition_id}"))[1:]
    day_one = (clock.at - timedelta(days=1)).astimezone(_KYIV).date().isoformat()
    day_two = clock.at.astimezone(_KYIV).date().isoformat()
    assert [(row[0], row[2], row[3]) for row in rows] == [
        (str(petition_id), day_one, "2"),
        (str(petition_id), day_two, "3"),
    ]
    everything = (await _csv(client, "/admin/exports/signatures.csv"))[1:]
    assert sum(int(row[3]) for row in everything) == 6


async def test_requests_export_says_which_were_late(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A request answered in time is "on time"; one left past its due date is "overdue"
    with the days it is late; the per-authority sheet counts the same."""
    await make_official(database, clock, "analyst@example.org", OfficialRole.ANALYST)
    authority_id = await make_authority(database, clock.now(), name="Міськрада")
    answered = await file_request(
        database, clock, authority_id, "Прошу надати бюджет міста на 2027 рік", "viber"
    )
    await file_request(
        database, clock, authority_id, "Прошу надати договори на ремонт доріг", "telegram"
    )
    async with database.transaction() as session:
        await InformationRequests(session).answer(answered, "Бюджет додано.", clock.now())
    clock.at += timedelta(days=20)  # past the five working days of the law
    await sign_in(client, "analyst@example.org")

    header, *rows = await _csv(client, "/admin/exports/requests.csv")
    timeliness = {row[header.index("Status")]: row for row in rows}
    on_time = timeliness["answered"]
    assert on_time[header.index("Timeliness")] == "on time"
    assert on_time[header.index("Days late")] == ""
    late = timeliness["awaiting the answer"]
    assert late[header.index("Timeliness")] == "overdue"
    assert int(late[header.index("Days late")]) >= 10

    header, row = await _csv(client, "/admin/exports/requests-by-authority.csv")
    counts = dict(zip(header, row, strict=True))
    assert counts["Authority"] == "Міськрада (en)"
    assert (counts["Requests"], counts["Open"], counts["Overdue now"]) == ("2", "1", "1")
    assert (counts["Responded on time"], counts["Responded late"]) == ("1", "0")


async def test_an_official_exports_only_their_authorities(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """An official bound to one authority gets its petitions and requests and none of
    another's, in every export, whatever the query string asks."""
    mine = await make_authority(database, clock.now(), name="Моя рада")
    theirs = await make_authority(database, clock.now(), name="Чужа рада")
    await make_official(database, clock, "clerk@example.org", OfficialRole.OFFICIAL, (mine,))
    my_petition = await make_open_petition(database, clock.now(), authority_id=mine)
    their_petition = await make_open_petition(
        database, clock.now(), authority_id=theirs, title="Чужа петиція про дороги"
    )
    await _sign(database, clock, their_petition, 1)
    await file_request(database, clock, mine, "Прошу надати мій запит про бюджет", "telegram")
    await file_request(database, clock, theirs, "Прошу надати чужий запит про бюджет", "telegram")
    await sign_in(client, "clerk@example.org")

    petitions = (await _csv(client, "/admin/exports/petitions.csv"))[1:]
    assert [row[0] for row in petitions] == [str(my_petition)]
    other_days = f"/admin/exports/signatures.csv?petition={their_petition}"
    assert (await _csv(client, other_days))[1:] == []
    requests = (await _csv(client, f"/admin/exports/requests.csv?authority={theirs}"))[1:]
    assert requests == []
    by_authority = (await _csv(client, "/admin/exports/requests-by-authority.csv"))[1:]
    assert [row[0] for row in by_authority] == [str(mine)]


async def test_audit_export_has_before_and_after_and_is_scoped(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """The audit CSV carries each entry's values before and after as JSON; an official
    bound to authorities exports (and sees) only their own entries."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    authority_id = await make_authority(database, clock.now(), name="Рада громади")
    await make_official(
        database, clock, "clerk@example.org", OfficialRole.OFFICIAL, (authority_id,)
    )
    petition_id = await _petition_in_moderation(database, clock, "Парк біля річки")
    moderator = await sign_in(client, "mod@example.org")
    assert (await moderator.post(f"/admin/petitions/{petition_id}/publish")).status == 303

    header, *rows = await _csv(client, "/admin/exports/audit.csv?action=petition_publish")
    [entry] = rows
    assert entry[header.index("Who")] == "mod@example.org"
    assert '"status": "moderation"' in entry[header.index("Before")]
    assert '"status": "open"' in entry[header.index("After")]

    await moderator.post("/admin/logout")
    await sign_in(client, "clerk@example.org")
    clerk_rows = (await _csv(client, "/admin/exports/audit.csv"))[1:]
    assert clerk_rows  # their own sign-in
    assert {row[header.index("Who")] for row in clerk_rows} == {"clerk@example.org"}
    page = await (await client.get("/admin/audit")).text()
    assert "mod@example.org" not in page


async def test_the_filtered_log_links_its_export_with_the_same_filters(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Every filter of the audit log opens (200), and the page's CSV link carries the
    filters (not the page's position) to the export."""
    await make_official(database, clock, "analyst@example.org", OfficialRole.ANALYST)
    await sign_in(client, "analyst@example.org")
    for query in (
        "action=sign_in",
        "official=analyst%40example.org",
        "object_type=official&object_id=1",
        "from=2026-11-01&to=2026-12-31",
        "before=5&action=sign_in",
    ):
        response = await client.get(f"/admin/audit?{query}")
        assert response.status == 200, query
    page = await (await client.get("/admin/audit?action=sign_in&before=5")).text()
    assert 'href="/admin/exports/audit.csv?action=sign_in"' in page


async def test_a_large_export_is_streamed_in_chunks(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """An export bigger than one write is sent chunked as it is read (no Content-Length
    known in advance), and every row arrives once, in order."""
    await make_official(database, clock, "analyst@example.org", OfficialRole.ANALYST)
    async with database.transaction() as session:
        for number in range(3000):
            record(
                session,
                Actor(None, "127.0.0.1"),
                action="directory_import",
                object_type="authority",
                object_id=number,
                now=clock.now(),
                summary=f"Рядок {number}: назву органу оновлено з файлу довідника",
            )
    await sign_in(client, "analyst@example.org")
    response = await client.get("/admin/exports/audit.csv?action=directory_import")
    assert response.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in response.headers
    body = await response.read()
    assert len(body) > 2 * 64 * 1024
    rows = list(csv.reader(io.StringIO(body.decode("utf-8")[1:])))[1:]
    assert [int(row[6]) for row in rows] == list(range(3000))


async def test_the_action_filter_lists_each_action_once_in_order(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """The audit page's action list holds every recorded action once, alphabetically."""
    await make_official(database, clock, "analyst@example.org", OfficialRole.ANALYST)
    async with database.transaction() as session:
        for action in ("zeta_action", "alpha_action", "zeta_action", "mid_action"):
            record(
                session,
                Actor(None, "127.0.0.1"),
                action=action,
                object_type="test",
                object_id=1,
                now=clock.now(),
            )
    await sign_in(client, "analyst@example.org")
    page = await (await client.get("/admin/audit")).text()
    action_select = page[page.index('<select id="action"') :]
    action_select = action_select[: action_select.index("</select>")]
    listed = re.findall(r'<option value="([a-z_]+)"', action_select)
    assert listed == ["alpha_action", "mid_action", "sign_in", "zeta_action"]
