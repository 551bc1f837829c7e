"""E-polls in the admin web: an official of an authority creates a poll, adds and checks
its questions, edits the terms before it opens (refused after), sees no counts before it
closes, closes it early, reads the results with charts, downloads them as CSV and
releases them; every change is audited once, without answers or respondents; another
authority's poll is not found, and an analyst changes nothing."""

from __future__ import annotations

import re

from sqlalchemy import select

from civic.clock import FixedClock
from civic.polls import Polls
from storage.db import Database
from storage.official_models import AuditEntry, OfficialRole
from storage.poll_models import Poll
from tests.admin.conftest import Client, make_official, sign_in
from tests.helpers import make_authority
from tests.poll_support import make_citizen, make_poll

TERMS = {
    "title": "Парки <b>міста</b>",
    "description": "Оберіть парк.",
    "opens_at": "2026-11-28T09:00",
    "closes_at": "2026-11-28T21:00",
    "results_shown": "on_release",
}


async def _audit(database: Database) -> list[tuple[str, str]]:
    async with database.transaction() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("poll%")).order_by(AuditEntry.id)
        )
        return [(entry.action, str(entry.after)) for entry in rows]


async def test_an_official_runs_a_poll_from_creation_to_release(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Create, three questions (a one-option question refused with its reason), edit
    before opening; sealed while open, edit refused; close early; counts, a chart and the
    CSV; release; seven audit entries naming no citizen."""
    authority_id = await make_authority(database, clock.now())
    await make_official(
        database, clock, "clerk@example.org", OfficialRole.OFFICIAL, (authority_id,)
    )
    clerk = await sign_in(client, "clerk@example.org")
    created = await clerk.post("/admin/polls/new", authority_id=str(authority_id), **TERMS)
    assert created.status == 303, await created.text()
    found = re.fullmatch(r"/admin/polls/(\d+)\?done=created", created.headers["Location"])
    assert found
    poll_id = int(found.group(1))
    questions = (
        {"text": "Який парк?", "kind": "single", "options": "Центральний\nПівденний"},
        {"text": "Що додати?", "kind": "multiple", "max_choices": "2", "options": "Лавки\nСвітло"},
        {"text": "Ваші ідеї?", "kind": "text", "options": ""},
    )
    for question in questions:
        added = await clerk.post(f"/admin/polls/{poll_id}/questions", **question)
        assert added.status == 303, await added.text()
    refused = await clerk.post(
        f"/admin/polls/{poll_id}/questions", text="Так чи ні?", kind="single", options="Так"
    )
    assert refused.status == 409
    assert "2 to 10 options" in await refused.text()
    edited = await clerk.post(
        f"/admin/polls/{poll_id}/edit",
        authority_id=str(authority_id),
        **{**TERMS, "closes_at": "2026-11-28T22:00"},
    )
    assert edited.status == 303
    page = await (await clerk.client.get(f"/admin/polls/{poll_id}")).text()
    assert "Парки &lt;b&gt;міста&lt;/b&gt;" in page
    assert "<b>міста</b>" not in page

    clock.at = clock.now().replace(day=28, hour=10)  # 12:00 in Kyiv: open
    client.session.cookie_jar.clear()  # the session ended in the meantime
    clerk = await sign_in(client, "clerk@example.org")
    async with database.transaction() as session:
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        ids = [
            (q.row.id, [o.id for o in q.options]) for q in await Polls(session).questions(poll_id)
        ]
    for choice in (0, 0, 1):
        citizen = await make_citizen(database, clock.now())
        answers = {
            ids[0][0]: [ids[0][1][choice]],
            ids[1][0]: [ids[1][1][1]],
            ids[2][0]: "=HYPERLINK(1)",
        }
        async with database.transaction() as session:
            await Polls(session).answer(poll_id, citizen, answers, clock.now())
    late = await clerk.post(f"/admin/polls/{poll_id}/edit", authority_id=str(authority_id), **TERMS)
    assert late.status == 409
    assert "The poll has opened" in await late.text()
    page = await (await clerk.client.get(f"/admin/polls/{poll_id}")).text()
    assert "Results are sealed until the poll closes" in page
    assert (await clerk.client.get(f"/admin/polls/{poll_id}/results.csv")).status == 404

    assert (await clerk.post(f"/admin/polls/{poll_id}/close")).status == 303
    page = await (await clerk.client.get(f"/admin/polls/{poll_id}")).text()
    assert "Not published yet" in page
    assert "<svg" in page
    assert "3 written answers" in page
    download = await clerk.client.get(f"/admin/polls/{poll_id}/results.csv")
    assert download.status == 200
    sheet = (await download.read()).decode("utf-8-sig")
    assert "1,Який парк?,single,Центральний,2" in sheet
    assert "1,Який парк?,single,Південний,1" in sheet
    assert "2,Що додати?,multiple,Світло,3" in sheet
    assert sheet.count("3,Ваші ідеї?,text,'=HYPERLINK(1),") == 3  # a formula is defused
    dashboard = await (await clerk.client.get("/admin/")).text()
    assert "Closed, results waiting for release" in dashboard
    assert (await clerk.post(f"/admin/polls/{poll_id}/release")).status == 303
    dashboard = await (await clerk.client.get("/admin/")).text()
    assert "Closed, results waiting for release" not in dashboard
    assert (await clerk.post(f"/admin/polls/{poll_id}/release")).status == 409
    actions = await _audit(database)
    assert [action for action, _after in actions] == [
        "poll_create",
        "poll_question",
        "poll_question",
        "poll_question",
        "poll_edit",
        "poll_close",
        "poll_release",
    ]
    assert all(
        "citizen" not in after and "=HYPERLINK(1)" not in after for _action, after in actions
    )


async def test_another_authoritys_poll_is_not_found_and_an_analyst_changes_nothing(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """An official bound to one authority gets 404 for another's poll, by page, CSV and
    action; an analyst reads the list but cannot create."""
    mine = await make_authority(database, clock.now(), name="Моя рада")
    poll_id, _q, _o = await make_poll(database, clock.now())
    await make_official(database, clock, "clerk@example.org", OfficialRole.OFFICIAL, (mine,))
    clerk = await sign_in(client, "clerk@example.org")
    assert (await clerk.client.get(f"/admin/polls/{poll_id}")).status == 404
    assert (await clerk.client.get(f"/admin/polls/{poll_id}/results.csv")).status == 404
    assert (await clerk.post(f"/admin/polls/{poll_id}/close")).status == 404
    assert (
        "Який парк облаштувати першим?" not in await (await clerk.client.get("/admin/polls")).text()
    )
    client.session.cookie_jar.clear()
    await make_official(database, clock, "analyst@example.org", OfficialRole.ANALYST)
    analyst = await sign_in(client, "analyst@example.org")
    assert (await analyst.client.get("/admin/polls")).status == 200
    assert (await analyst.client.get("/admin/polls/new")).status == 403
    assert (await analyst.post("/admin/polls/new", title="x")).status == 403
    assert await _audit(database) == []
