"""Deadlines of requests for public information on real calendar cases.

Every expected date below was worked out by hand from a printed calendar, not computed.
2021 cases use the pre-martial-law holidays (Christmas, Independence Day, the Saturday
worked in exchange for a moved day off); 2026 cases run under martial law, where public
holidays are working days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from civic.deadlines import Lateness, TermRule, deadline, time_left
from civic.working_days import WorkingCalendar
from storage.models import CalendarDayKind

KYIV = ZoneInfo("Europe/Kyiv")
FIVE = TermRule.FIVE_WORKING_DAYS
TWENTY = TermRule.TWENTY_WORKING_DAYS
HOURS = TermRule.FORTY_EIGHT_HOURS


def kyiv(*args: int) -> datetime:
    return datetime(*args, tzinfo=KYIV)  # type: ignore[misc]


def test_filed_on_a_friday_the_weekend_is_not_counted() -> None:
    """Fri 27 Nov 2026 → Mon 30 Nov is day 1 … Fri 4 Dec is day 5, due by its end."""
    term = deadline(kyiv(2026, 11, 27, 10, 0), FIVE, WorkingCalendar())
    assert term.received_on == date(2026, 11, 27)
    assert term.due_on == date(2026, 12, 4)
    assert term.due_at == kyiv(2026, 12, 4, 23, 59, 59).astimezone(UTC)
    assert [(off.day, off.reason) for off in term.skipped] == [
        (date(2026, 11, 28), "weekend"),
        (date(2026, 11, 29), "weekend"),
    ]


def test_filed_before_christmas_2021_the_holiday_and_its_observed_monday_are_skipped() -> None:
    """Thu 23 Dec 2021 → Fri 24 (1), Sat 25 Christmas and Sun 26 off, Mon 27 (Christmas
    observed) off, Tue 28 (2), Wed 29 (3), Thu 30 (4), Fri 31 Dec (5)."""
    term = deadline(kyiv(2021, 12, 23, 15, 0), FIVE, WorkingCalendar())
    assert term.due_on == date(2021, 12, 31)
    reasons = {off.day: off.reason for off in term.skipped}
    assert reasons == {
        date(2021, 12, 25): "holiday",
        date(2021, 12, 26): "weekend",
        date(2021, 12, 27): "holiday",
    }


def test_filed_on_independence_day_2021_the_worked_saturday_counts() -> None:
    """Filed on the holiday Tue 24 Aug 2021: Wed 25 (1), Thu 26 (2), Fri 27 (3), Sat 28
    (a working day in exchange for Mon 23 Aug) (4), Sun 29 off, Mon 30 Aug (5)."""
    term = deadline(kyiv(2021, 8, 24, 11, 0), FIVE, WorkingCalendar())
    assert term.received_on == date(2021, 8, 24)
    assert term.due_on == date(2021, 8, 30)
    assert [off.day for off in term.skipped] == [date(2021, 8, 29)]


def test_the_48_hour_track_runs_through_the_weekend() -> None:
    """Received Fri 27 Nov 2026 16:30 Kyiv: due Sun 29 Nov 16:30 Kyiv, weekend included."""
    term = deadline(kyiv(2026, 11, 27, 16, 30), HOURS, WorkingCalendar())
    assert term.due_at == datetime(2026, 11, 29, 14, 30, tzinfo=UTC)
    assert term.due_on == date(2026, 11, 29)
    assert term.skipped == ()


def test_an_extension_to_20_working_days_under_martial_law() -> None:
    """Fri 27 Nov 2026 + 20 working days: 30 Nov-4 Dec, 7-11, 14-18, 21-25 Dec. Christmas
    (Fri 25 Dec) is a working day under martial law, so it is the last day."""
    term = deadline(kyiv(2026, 11, 27, 10, 0), TWENTY, WorkingCalendar())
    assert term.due_on == date(2026, 12, 25)


def test_an_override_making_christmas_a_day_off_moves_the_extension() -> None:
    """With 25 Dec 2026 made a day off, the 20th working day is Mon 28 Dec."""
    calendar = WorkingCalendar({date(2026, 12, 25): (CalendarDayKind.DAY_OFF, "Christmas")})
    term = deadline(kyiv(2026, 11, 27, 10, 0), TWENTY, calendar)
    assert term.due_on == date(2026, 12, 28)
    skipped = [(off.day, off.reason, off.name) for off in term.skipped]
    assert (date(2026, 12, 25), "override", "Christmas") in skipped


def test_an_override_can_make_a_saturday_a_working_day() -> None:
    """Sat 28 Nov 2026 made a working day: Fri 27 Nov + 5 ends on Thu 3 Dec."""
    calendar = WorkingCalendar({date(2026, 11, 28): (CalendarDayKind.WORKING_DAY, "moved")})
    assert deadline(kyiv(2026, 11, 27, 9, 0), FIVE, calendar).due_on == date(2026, 12, 3)


def test_receipt_is_the_date_in_kyiv_not_in_utc() -> None:
    """00:30 Mon 30 Nov 2026 in Kyiv is still Sunday in UTC; the day of receipt is Monday,
    so day 1 is Tue 1 Dec and day 5 is Mon 7 Dec."""
    received = kyiv(2026, 11, 30, 0, 30)
    assert received.astimezone(UTC).date() == date(2026, 11, 29)
    assert deadline(received, FIVE, WorkingCalendar()).due_on == date(2026, 12, 7)


def test_a_naive_time_of_receipt_is_refused() -> None:
    """A receipt time without a zone cannot be placed in Kyiv and is an error."""
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline(datetime(2026, 11, 27, 10, 0), FIVE, WorkingCalendar())  # noqa: DTZ001


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (kyiv(2026, 11, 30, 9, 0), (Lateness.ON_TIME, 4)),  # Mon: Tue-Fri left
        (kyiv(2026, 12, 4, 23, 0), (Lateness.ON_TIME, 0)),  # the due day itself
        (kyiv(2026, 12, 5, 10, 0), (Lateness.OVERDUE, 1)),  # Saturday after
        (kyiv(2026, 12, 7, 10, 0), (Lateness.OVERDUE, 1)),  # Monday after: 1 working day
        (kyiv(2026, 12, 11, 10, 0), (Lateness.OVERDUE, 5)),
        (kyiv(2026, 12, 14, 10, 0), (Lateness.VERY_OVERDUE, 6)),
    ],
)
def test_days_left_and_lateness_follow_the_working_days(
    now: datetime, expected: tuple[Lateness, int]
) -> None:
    """A request due Fri 4 Dec 2026: days left count working days; after the due day it is
    overdue, and very overdue after more than 5 working days."""
    due = deadline(kyiv(2026, 11, 27, 10, 0), FIVE, WorkingCalendar()).due_at
    left = time_left(due, now, WorkingCalendar())
    assert (left.lateness, left.working_days) == expected
