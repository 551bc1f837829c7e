"""Requests for public information through the civic rules, as citizens and officials act.

The clock is Fri 27 Nov 2026 10:00 UTC (12:00 in Kyiv). Due dates are worked out by hand:
5 working days from that Friday end on Fri 4 Dec 2026.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from civic.clock import FixedClock
from civic.information_requests import (
    InformationRequests,
    RefusalReason,
    RequestDraft,
    RequestError,
)
from civic.text import TextProblem
from storage.db import Database
from storage.models import CalendarDayKind, Citizen, InformationRequest, RequestStatus
from tests.helpers import make_authority

KYIV = ZoneInfo("Europe/Kyiv")
BODY = "Прошу надати копію договору на ремонт дороги по вул. Шевченка за 2026 рік."


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=KYIV).astimezone(UTC)


async def _citizen(database: Database, now: datetime) -> int:
    async with database.transaction() as session:
        citizen = Citizen(created_at=now)
        session.add(citizen)
        await session.flush()
        return citizen.id


async def _file(
    database: Database,
    now: datetime,
    authority_id: int,
    citizen_id: int,
    *,
    body: str = BODY,
    urgent: bool = False,
) -> int:
    async with database.transaction() as session:
        filed = await InformationRequests(session).file(
            RequestDraft(authority_id, body, "Олена Коваль", urgent=urgent),
            citizen_id,
            "telegram",
            "uk",
            now,
        )
        return filed.request.id


async def _request(database: Database, request_id: int) -> InformationRequest:
    async with database.transaction() as session:
        request = await session.get(InformationRequest, request_id)
        assert request is not None
        return request


async def _count(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count(InformationRequest.id))) or 0)


async def test_a_filed_request_gets_a_number_and_a_due_date(
    database: Database, clock: FixedClock
) -> None:
    """Numbers run within the year (ЗІ-2026-000001, -000002); due by the end of Fri 4 Dec."""
    authority = await make_authority(database, clock.now())
    citizen = await _citizen(database, clock.now())
    async with database.transaction() as session:
        filed = await InformationRequests(session).file(
            RequestDraft(authority, BODY, "Олена Коваль"), citizen, "telegram", "uk", clock.now()
        )
        assert filed.request.number == "ЗІ-2026-000001"
        assert filed.deadline.due_on == date(2026, 12, 4)
        assert filed.request.status is RequestStatus.SUBMITTED
    second = await _file(database, clock.now(), authority, citizen)
    stored = await _request(database, second)
    assert stored.number == "ЗІ-2026-000002"
    assert stored.due_at == end_of(date(2026, 12, 4))


async def test_the_urgent_track_is_due_in_48_hours(database: Database, clock: FixedClock) -> None:
    """Life, liberty, environment or emergency: due at Sun 29 Nov 10:00 UTC."""
    authority = await make_authority(database, clock.now())
    citizen = await _citizen(database, clock.now())
    request_id = await _file(database, clock.now(), authority, citizen, urgent=True)
    assert (await _request(database, request_id)).due_at == clock.now() + timedelta(hours=48)


@pytest.mark.parametrize("body", ["", "   ", "коротко", "я" * 20_000])
async def test_an_empty_short_or_huge_request_is_refused_and_nothing_is_stored(
    database: Database, clock: FixedClock, body: str
) -> None:
    """The length rule names the problem; no request row is written."""
    authority = await make_authority(database, clock.now())
    citizen = await _citizen(database, clock.now())
    with pytest.raises(TextProblem):
        await _file(database, clock.now(), authority, citizen, body=body)
    assert await _count(database) == 0


async def test_an_authority_that_does_not_exist_is_refused(
    database: Database, clock: FixedClock
) -> None:
    """Filing to an unknown authority id is a RequestError; nothing is stored."""
    citizen = await _citizen(database, clock.now())
    with pytest.raises(RequestError) as raised:
        await _file(database, clock.now(), 999_999, citizen)
    assert raised.value.code == "authority_not_found"
    assert await _count(database) == 0


async def test_a_clarification_stops_the_clock_and_the_answer_restarts_it(
    database: Database, clock: FixedClock
) -> None:
    """Asked on Mon 30 Nov, answered on Tue 1 Dec 2026: 5 working days from Tuesday end on
    Tue 8 Dec."""
    authority = await make_authority(database, clock.now())
    citizen = await _citizen(database, clock.now())
    request_id = await _file(database, clock.now(), authority, citizen)
    async with database.transaction() as session:
        asked = await InformationRequests(session).ask_clarification(
            request_id, "Уточніть, будь ласка, номер договору.", clock.now() + timedelta(days=3)
        )
        assert asked.status is RequestStatus.CLARIFICATION
    answered_at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    async with database.transaction() as session:
        filed = await InformationRequests(session).answer_clarification(
            request_id, citizen, "Договір № 17/2026", answered_at
        )
        assert filed.deadline.due_on == date(2026, 12, 8)
    stored = await _request(database, request_id)
    assert stored.status is RequestStatus.SUBMITTED
    assert stored.due_at == end_of(date(2026, 12, 8))
    assert stored.clarification_answer == "Договір № 17/2026"


async def test_an_extension_within_five_days_gives_twenty_working_days(
    database: Database, clock: FixedClock
) -> None:
    """Extended on Wed 2 Dec with a reason: due Fri 25 Dec 2026; not later, not urgent."""
    authority = await make_authority(database, clock.now())
    citizen = await _citizen(database, clock.now())
    request_id = await _file(database, clock.now(), authority, citizen)
    urgent_id = await _file(database, clock.now(), authority, citizen, urgent=True)
    late_id = await _file(database, clock.now(), authority, citizen)
    async with database.transaction() as session:
        requests = InformationRequests(session)
        filed = await requests.extend(
            request_id,
            "Великий обсяг: понад 300 сторінок документів.",
            clock.now() + timedelta(days=5),
        )
        assert filed.deadline.due_on == date(2026, 12, 25)
        assert filed.request.status is RequestStatus.EXTENDED
    for target, when, code in (
        (urgent_id, clock.now(), "urgent_not_extendable"),
        (late_id, datetime(2026, 12, 5, 9, 0, tzinfo=UTC), "extension_too_late"),
    ):
        with pytest.raises(RequestError) as raised:
            async with database.transaction() as session:
                await InformationRequests(session).extend(target, "Великий обсяг даних.", when)
        assert raised.value.code == code


async def test_a_calendar_override_moves_an_open_requests_due_date(
    database: Database, clock: FixedClock
) -> None:
    """Wed 2 Dec 2026 declared a day off: a request due Fri 4 Dec is now due Mon 7 Dec; an
    answered one is left alone; removing the override moves it back."""
    authority = await make_authority(database, clock.now())
    citizen = await _citizen(database, clock.now())
    open_id = await _file(database, clock.now(), authority, citizen)
    answered_id = await _file(database, clock.now(), authority, citizen)
    async with database.transaction() as session:
        await InformationRequests(session).answer(answered_id, "Копія додається.", clock.now())
    async with database.transaction() as session:
        moved = await InformationRequests(session).set_calendar_day(
            date(2026, 12, 2), CalendarDayKind.DAY_OFF, "День жалоби (розпорядження)", clock.now()
        )
        assert [(m.request.id, m.old_due_at, m.new_due_at) for m in moved] == [
            (open_id, end_of(date(2026, 12, 4)), end_of(date(2026, 12, 7)))
        ]
    assert (await _request(database, open_id)).due_at == end_of(date(2026, 12, 7))
    assert (await _request(database, answered_id)).due_at == end_of(date(2026, 12, 4))
    async with database.transaction() as session:
        back = await InformationRequests(session).clear_calendar_day(date(2026, 12, 2), clock.now())
        assert [m.new_due_at for m in back] == [end_of(date(2026, 12, 4))]


async def test_answers_refusals_and_withdrawals_end_a_request_once(
    database: Database, clock: FixedClock
) -> None:
    """Each ends an open request; acting on an ended one, or on someone else's, is refused."""
    authority = await make_authority(database, clock.now())
    citizen = await _citizen(database, clock.now())
    stranger = await _citizen(database, clock.now())
    ids = [await _file(database, clock.now(), authority, citizen) for _ in range(3)]
    async with database.transaction() as session:
        requests = InformationRequests(session)
        partly = await requests.answer(ids[0], "Частина відомостей.", clock.now(), partly=True)
        refused = await requests.refuse(
            ids[1], RefusalReason.NOT_HOLDER, "Розпорядник: Мінінфраструктури.", clock.now()
        )
        with pytest.raises(RequestError, match="not_found"):
            await requests.withdraw(ids[2], stranger, clock.now())
        withdrawn = await requests.withdraw(ids[2], citizen, clock.now())
        statuses = (partly.status, refused.status, withdrawn.status)
    assert statuses == (
        RequestStatus.PARTLY_ANSWERED,
        RequestStatus.REFUSED,
        RequestStatus.WITHDRAWN,
    )
    for request_id in ids:
        with pytest.raises(RequestError) as raised:
            async with database.transaction() as session:
                await InformationRequests(session).answer(request_id, "Запізно.", clock.now())
        assert raised.value.code == "not_running"


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_parallel_filings_get_distinct_consecutive_numbers(
    database: Database, clock: FixedClock
) -> None:
    """Twelve requests filed at once on PostgreSQL: numbers 1..12 of the year, no gaps."""
    authority = await make_authority(database, clock.now())
    citizen = await _citizen(database, clock.now())
    await asyncio.gather(*(_file(database, clock.now(), authority, citizen) for _ in range(12)))
    async with database.transaction() as session:
        numbers = sorted((await session.scalars(select(InformationRequest.number))).all())
    assert numbers == [f"ЗІ-2026-{n:06d}" for n in range(1, 13)]
