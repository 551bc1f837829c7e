"""The real `vzayemodiia calendar` commands, as a subprocess against each test database.

Requests are filed directly through the civic rules; the command then changes the
calendar and must move their due dates. The hand-worked case is the one of
docs/information-requests.md: a request received on Fri 27 Nov 2026 is due by the end of
Fri 4 Dec 2026, and by the end of Mon 7 Dec 2026 once Wed 2 Dec 2026 is a day off.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from civic.clock import FixedClock, SystemClock
from civic.deadlines import KYIV, TermRule, deadline, end_of_day
from civic.information_requests import InformationRequests, NoticeKind, RequestDraft
from civic.working_days import WorkingCalendar
from storage.db import Database
from storage.models import (
    CalendarDayKind,
    CalendarOverride,
    Citizen,
    InformationRequest,
    Notice,
)
from tests.cli_support import clean_env, run_cli
from tests.helpers import make_authority

pytestmark = pytest.mark.slow

BODY = "Прошу надати копію договору на ремонт дороги по вул. Шевченка за 2026 рік."
MOURNING = "День жалоби (розпорядження КМУ)"


@pytest.fixture
def env(database: Database, database_url: str) -> dict[str, str]:
    """A clean environment pointing the command at this test's (emptied) database."""
    return clean_env(VZ_DATABASE_URL=database_url)


def calendar(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("calendar", *args, env=env, cwd=cwd)


def assert_ok(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Exit 0 and no traceback; the lines printed."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout.splitlines()


def assert_refused(result: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    """Exit ``code`` with one line on stderr containing ``text``, no traceback, no output."""
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert text in lines[0]
    assert result.stdout == ""


def long_date(moment: datetime) -> str:
    day = moment.astimezone(KYIV).date()
    return f"{day.day} {day:%B} {day.year}"


async def file_request(database: Database, now: datetime) -> InformationRequest:
    """An ordinary (5 working days) request received at ``now``."""
    authority_id = await make_authority(database, now)
    async with database.transaction() as session:
        citizen = Citizen(created_at=now)
        session.add(citizen)
        await session.flush()
        filed = await InformationRequests(session).file(
            RequestDraft(authority_id, BODY, "Олена Коваль"), citizen.id, "telegram", "uk", now
        )
        return filed.request


async def due_at(database: Database, request_id: int) -> datetime:
    async with database.reading() as session:
        request = await session.get(InformationRequest, request_id)
        assert request is not None
        due = request.due_at
    return due if due.tzinfo is not None else due.replace(tzinfo=UTC)


async def overrides(database: Database) -> list[tuple[date, CalendarDayKind, str]]:
    async with database.reading() as session:
        rows = await session.scalars(select(CalendarOverride).order_by(CalendarOverride.day))
        return [(row.day, row.kind, row.reason) for row in rows]


async def moved_notices(database: Database) -> int:
    async with database.reading() as session:
        count = await session.scalar(
            select(func.count()).where(Notice.kind == NoticeKind.DUE_MOVED.value)
        )
    return int(count or 0)


async def test_day_off_moves_the_hand_worked_due_date_and_clear_moves_it_back(
    tmp_path: Path, env: dict[str, str], database: Database, clock: FixedClock
) -> None:
    """Received Fri 27 Nov 2026: Wed 2 Dec made a day off moves 4 Dec to 7 Dec; clear undoes it."""
    request = await file_request(database, clock.now())
    assert request.number == "ЗІ-2026-000001"
    assert await due_at(database, request.id) == end_of_day(date(2026, 12, 4))

    result = calendar(env, tmp_path, "day-off", "2026-12-02", "--reason", MOURNING)
    assert assert_ok(result) == [
        f"2026-12-02 (Wednesday) is now a day off: {MOURNING}",
        "Due dates moved: 1 open request.",
        "ЗІ-2026-000001: 4 December 2026 -> 7 December 2026",
    ]
    assert await due_at(database, request.id) == end_of_day(date(2026, 12, 7))
    assert await overrides(database) == [(date(2026, 12, 2), CalendarDayKind.DAY_OFF, MOURNING)]
    assert await moved_notices(database) == 1

    cleared = calendar(env, tmp_path, "clear", "2026-12-02")
    assert assert_ok(cleared) == [
        "Override of 2026-12-02 removed: the default calendar applies again.",
        "Due dates moved: 1 open request.",
        "ЗІ-2026-000001: 7 December 2026 -> 4 December 2026",
    ]
    assert await due_at(database, request.id) == end_of_day(date(2026, 12, 4))
    assert await overrides(database) == []
    assert await moved_notices(database) == 2


async def test_working_saturday_brings_the_due_date_forward_and_replaces_an_override(
    tmp_path: Path, env: dict[str, str], database: Database, clock: FixedClock
) -> None:
    """Sat 28 Nov 2026 made a working day counts towards the term: due Thu 3 Dec, not Fri 4."""
    request = await file_request(database, clock.now())
    reason = "Робоча субота за розпорядженням"
    first = calendar(env, tmp_path, "day-off", "2026-11-28", "--reason", MOURNING)
    assert assert_ok(first)[1:] == ["Due dates moved: 0 open requests."]

    result = calendar(env, tmp_path, "working-day", "2026-11-28", "--reason", reason)
    assert assert_ok(result) == [
        f"2026-11-28 (Saturday) is now a working day: {reason}",
        f"It replaces the override that made it a day off: {MOURNING}",
        "Due dates moved: 1 open request.",
        "ЗІ-2026-000001: 4 December 2026 -> 3 December 2026",
    ]
    assert await due_at(database, request.id) == end_of_day(date(2026, 12, 3))
    assert await overrides(database) == [(date(2026, 11, 28), CalendarDayKind.WORKING_DAY, reason)]


async def test_day_off_within_a_term_running_now_moves_it(
    tmp_path: Path, env: dict[str, str], database: Database
) -> None:
    """A request filed at the real time: its first counted day made a day off moves its due date."""
    now = SystemClock().now()
    request = await file_request(database, now)
    library = WorkingCalendar()
    first_counted, _skipped = library.working_days_after(now.astimezone(KYIV).date(), 1)
    old = deadline(now, TermRule.FIVE_WORKING_DAYS, library).due_at
    new = deadline(
        now,
        TermRule.FIVE_WORKING_DAYS,
        WorkingCalendar({first_counted: (CalendarDayKind.DAY_OFF, MOURNING)}),
    ).due_at
    assert await due_at(database, request.id) == old
    assert new > old

    result = calendar(env, tmp_path, "day-off", first_counted.isoformat(), "--reason", MOURNING)
    assert assert_ok(result)[1:] == [
        "Due dates moved: 1 open request.",
        f"{request.number}: {long_date(old)} -> {long_date(new)}",
    ]
    assert await due_at(database, request.id) == new


async def test_list_shows_overrides_and_a_years_holidays(
    tmp_path: Path, env: dict[str, str], database: Database, clock: FixedClock
) -> None:
    """list: every override by date; --year adds that year's weekday holidays of the library."""
    assert assert_ok(calendar(env, tmp_path, "list")) == ["No overrides."]
    assert assert_ok(calendar(env, tmp_path, "list", "--year", "2026")) == [
        "No overrides and no holidays off work in 2026."
    ]
    async with database.transaction() as session:
        requests = InformationRequests(session)
        await requests.set_calendar_day(
            date(2026, 12, 2), CalendarDayKind.DAY_OFF, MOURNING, clock.now()
        )
        await requests.set_calendar_day(
            date(2021, 1, 7), CalendarDayKind.WORKING_DAY, "Робочий день для перевірки", clock.now()
        )

    assert assert_ok(calendar(env, tmp_path, "list")) == [
        "2021-01-07 Thu  working day (override)  Робочий день для перевірки",
        f"2026-12-02 Wed  day off (override)      {MOURNING}",
    ]
    year = assert_ok(calendar(env, tmp_path, "list", "--year", "2021"))
    assert year[:4] == [
        "2021-01-01 Fri  holiday                 New Year's Day",
        "2021-01-07 Thu  working day (override)  Робочий день для перевірки "
        "(overrides the holiday: Christmas Day)",
        "2021-01-08 Fri  holiday                 Day off (substituted from 01/16/2021)",
        "2021-03-08 Mon  holiday                 International Women's Day",
    ]
    assert year[-1] == "2021-12-27 Mon  holiday                 Christmas Day (observed)"
    assert len(year) == 14  # the library's 14 weekday days off in 2021; weekends are not listed
    assert not any(line.startswith("2026") for line in year)


@pytest.mark.parametrize("bad", ["2026-13-02", "02.12.2026", "20261202", "tomorrow"])
async def test_malformed_date_is_one_line_and_writes_nothing(
    tmp_path: Path, env: dict[str, str], database: Database, bad: str
) -> None:
    """A date that is not YYYY-MM-DD exits 2 with one line naming it; nothing is written."""
    result = calendar(env, tmp_path, "day-off", bad, "--reason", MOURNING)
    assert_refused(result, 2, repr(bad))
    assert_refused(calendar(env, tmp_path, "clear", bad), 2, "YYYY-MM-DD")
    assert await overrides(database) == []


async def test_missing_or_short_reason_is_one_line_and_moves_nothing(
    tmp_path: Path, env: dict[str, str], database: Database, clock: FixedClock
) -> None:
    """No --reason exits 2, a too short one 1 (the civic rule); neither writes or moves."""
    request = await file_request(database, clock.now())
    assert_refused(calendar(env, tmp_path, "day-off", "2026-12-02"), 2, "--reason is required")
    short = calendar(env, tmp_path, "working-day", "2026-11-28", "--reason", "жалоба")
    assert_refused(short, 1, "--reason: too short: 6 characters, at least 10")
    no_letters = calendar(env, tmp_path, "day-off", "2026-12-02", "--reason", "1234567890!")
    assert_refused(no_letters, 1, "--reason: must contain at least 5 letters")
    too_long = calendar(env, tmp_path, "day-off", "2026-12-02", "--reason", "ж" * 301)
    assert_refused(too_long, 1, "--reason: too long: 301 characters, at most 300")
    assert await overrides(database) == []
    assert await due_at(database, request.id) == end_of_day(date(2026, 12, 4))
    assert await moved_notices(database) == 0


async def test_clearing_a_date_without_override_exits_1(
    tmp_path: Path, env: dict[str, str], database: Database, clock: FixedClock
) -> None:
    """clear of a date with no override says so in one line, exits 1 and leaves others alone."""
    async with database.transaction() as session:
        await InformationRequests(session).set_calendar_day(
            date(2026, 12, 2), CalendarDayKind.DAY_OFF, MOURNING, clock.now()
        )
    result = calendar(env, tmp_path, "clear", "2026-12-03")
    assert_refused(result, 1, "2026-12-03 has no override to clear")
    assert await overrides(database) == [(date(2026, 12, 2), CalendarDayKind.DAY_OFF, MOURNING)]
