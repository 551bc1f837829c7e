"""The working-day calendar in the admin web: a change is previewed with the running
requests it moves and nothing is written until it is saved; saving moves the due dates,
owes the citizens their notices and is audited; only administrators change it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from civic.clock import FixedClock
from storage.db import Database
from storage.models import CalendarOverride, InformationRequest, Notice
from storage.official_models import AuditEntry, OfficialRole
from tests.admin.conftest import (
    Client,
    file_request,
    make_official,
    sign_in,
    sign_in_administrator,
)
from tests.helpers import make_authority


async def _due(database: Database, request_id: int) -> InformationRequest:
    async with database.transaction() as session:
        request = await session.get(InformationRequest, request_id)
        assert request is not None
        return request


def _first_working_day_after(start: date) -> date:
    day = start + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def test_preview_shows_what_moves_and_writes_nothing(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Previewing a day off inside a running term lists that request with its due date
    now and after the change; no override, no moved date, no notice is written."""
    authority_id = await make_authority(database, clock.now(), name="Міська рада")
    request_id = await file_request(
        database, clock, authority_id, "Прошу надати кошторис ремонту школи", "telegram"
    )
    request = await _due(database, request_id)
    await sign_in_administrator(client, database, clock)
    day = _first_working_day_after(clock.now().date())

    response = await client.get(
        f"/admin/calendar/preview?day={day.isoformat()}&kind=day_off&reason=День жалоби"
    )
    page = await response.text()
    assert response.status == 200
    assert request.number in page
    assert "moves the due date of 1 running request" in page

    async with database.transaction() as session:
        assert await session.get(CalendarOverride, day) is None
        notices = (await session.scalars(select(Notice))).all()
    assert (await _due(database, request_id)).due_at == request.due_at
    assert not [n for n in notices if n.kind == "request_due_moved"]


async def test_saving_moves_the_due_dates_and_is_audited(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Saving the change records the override, moves the running request's due date one
    working day later, owes its citizen a notice, and leaves one audit entry naming the
    moved request; removing it later moves the date back."""
    authority_id = await make_authority(database, clock.now(), name="Міська рада")
    request_id = await file_request(
        database, clock, authority_id, "Прошу надати кошторис ремонту школи", "telegram"
    )
    before = await _due(database, request_id)
    admin = await sign_in_administrator(client, database, clock)
    day = _first_working_day_after(clock.now().date())

    saved = await admin.post(
        "/admin/calendar", day=day.isoformat(), kind="day_off", reason="День жалоби в громаді"
    )
    assert saved.status == 303
    assert "moved=1" in saved.headers["Location"]
    moved = await _due(database, request_id)
    assert moved.due_at > before.due_at
    async with database.transaction() as session:
        override = await session.get(CalendarOverride, day)
        assert override is not None
        assert override.reason == "День жалоби в громаді"
        notices = (
            await session.scalars(select(Notice).where(Notice.subject_id == request_id))
        ).all()
        [entry] = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar_set"))
        ).all()
    assert [n.kind for n in notices if n.kind == "request_due_moved"] == ["request_due_moved"]
    assert entry.object_id == day.isoformat()
    assert entry.before is None
    assert entry.after == {
        "kind": "day_off",
        "reason": "День жалоби в громаді",
        "requests_moved": [before.number],
    }

    page = await (await client.get(f"/admin/calendar?year={day.year}")).text()
    assert "День жалоби в громаді" in page
    cleared = await admin.post("/admin/calendar", day=day.isoformat(), kind="clear")
    assert cleared.status == 303
    assert (await _due(database, request_id)).due_at == before.due_at


async def test_a_bad_change_is_refused_with_a_reason_and_nothing_written(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A date that is not a date, a day off without a reason, or removing an override
    that does not exist: the calendar page again with what is wrong, nothing saved."""
    admin = await sign_in_administrator(client, database, clock)
    not_a_date = await admin.post(
        "/admin/calendar", day="31.12.2026", kind="day_off", reason="x" * 20
    )
    assert not_a_date.status == 400
    assert "Give the day as a date" in await not_a_date.text()
    no_reason = await admin.post("/admin/calendar", day="2026-12-31", kind="day_off", reason=" ")
    assert no_reason.status == 400
    assert "The text is empty." in await no_reason.text()
    nothing_to_clear = await client.get("/admin/calendar/preview?day=2026-12-31&kind=clear")
    assert nothing_to_clear.status == 409
    assert "no override to remove" in await nothing_to_clear.text()
    async with database.transaction() as session:
        assert (await session.scalars(select(CalendarOverride))).all() == []
        audit = (await session.scalars(select(AuditEntry.action))).all()
    assert not [action for action in audit if action.startswith("calendar")]


async def test_only_administrators_change_the_calendar(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A moderator reads the calendar but is refused the preview and the save."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    moderator = await sign_in(client, "mod@example.org")
    page = await client.get("/admin/calendar")
    assert page.status == 200
    assert "Preview the change" not in await page.text()
    preview = await client.get("/admin/calendar/preview?day=2026-12-31&kind=day_off&reason=Жалоба")
    assert preview.status == 403
    saved = await moderator.post(
        "/admin/calendar", day="2026-12-31", kind="day_off", reason="День жалоби в громаді"
    )
    assert saved.status == 403
    async with database.transaction() as session:
        assert (await session.scalars(select(CalendarOverride))).all() == []


async def test_a_reason_with_markup_is_shown_escaped(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """An override's reason is shown as text on the calendar and in the preview."""
    admin = await sign_in_administrator(client, database, clock)
    reason = '<script>alert("x")</script> день жалоби'
    await admin.post("/admin/calendar", day="2026-12-31", kind="day_off", reason=reason)
    page = await (await client.get("/admin/calendar?year=2026")).text()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    preview = await client.get(
        "/admin/calendar/preview",
        params={"day": "2026-12-31", "kind": "working_day", "reason": reason},
    )
    text = await preview.text()
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert" in text
