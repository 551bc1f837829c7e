"""When an answer to a request for public information is due, and how that was worked out.

The rules (Law "On Access to Public Information", art. 20; Civil Code arts. 253-254),
written down for citizens in docs/information-requests.md:

- **5 working days.** The day of receipt is not counted: the term starts the next day
  (art. 253). Receipt is the filing date in Kyiv time. Weekends and days off of the
  working-day calendar are skipped, so the last day is always a working day. The answer
  is due by the end of that day, Kyiv time.
- **48 hours** when the information is needed to protect life or liberty, or concerns the
  state of the environment or an emergency. The law counts hours here, not working days:
  48 clock hours from the moment of receipt, weekends included.
- **20 working days** when the authority extends the term (a large volume, or a search
  among a large amount of data), counted like the 5 days from the same day of receipt.
- A clarification asked of the citizen stops the clock. Their answer is a new receipt, and
  the term runs again in full from it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from civic.working_days import DayOff, WorkingCalendar

KYIV = ZoneInfo("Europe/Kyiv")
URGENT_HOURS = 48
# Overdue by more than this many working days: "very overdue".
VERY_OVERDUE_WORKING_DAYS = 5


class TermRule(enum.StrEnum):
    FIVE_WORKING_DAYS = "5_working_days"
    FORTY_EIGHT_HOURS = "48_hours"
    TWENTY_WORKING_DAYS = "20_working_days"

    @property
    def working_days(self) -> int | None:
        return {"5_working_days": 5, "20_working_days": 20}.get(self.value)


@dataclass(frozen=True, slots=True)
class Deadline:
    rule: TermRule
    received_at: datetime
    received_on: date  # the day of receipt in Kyiv; the term counts from the next day
    due_on: date  # the last day of the term, in Kyiv
    due_at: datetime  # the last moment of the term, aware UTC
    skipped: tuple[DayOff, ...]  # days off passed over on the way


def deadline(
    received_at: datetime, rule: TermRule, calendar: WorkingCalendar, zone: ZoneInfo = KYIV
) -> Deadline:
    """The deadline of a term of ``rule`` for something received at ``received_at``."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    received_on = received_at.astimezone(zone).date()
    count = rule.working_days
    if count is None:
        due_at = (received_at + timedelta(hours=URGENT_HOURS)).astimezone(UTC)
        return Deadline(rule, received_at, received_on, due_at.astimezone(zone).date(), due_at, ())
    due_on, skipped = calendar.working_days_after(received_on, count)
    return Deadline(
        rule, received_at, received_on, due_on, end_of_day(due_on, zone), tuple(skipped)
    )


def end_of_day(day: date, zone: ZoneInfo = KYIV) -> datetime:
    """The last second of ``day`` in ``zone``, as aware UTC."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone).astimezone(UTC)


class Lateness(enum.Enum):
    ON_TIME = "on_time"
    OVERDUE = "overdue"
    VERY_OVERDUE = "very_overdue"


@dataclass(frozen=True, slots=True)
class TimeLeft:
    lateness: Lateness
    # Working days left until the due day (0 on the due day itself) while on time;
    # working days past the due day once overdue.
    working_days: int


def time_left(
    due_at: datetime, now: datetime, calendar: WorkingCalendar, zone: ZoneInfo = KYIV
) -> TimeLeft:
    """Where a term stands at ``now``: days left, or how late the answer is."""
    due_on = due_at.astimezone(zone).date()
    today = now.astimezone(zone).date()
    if now <= due_at:
        return TimeLeft(Lateness.ON_TIME, calendar.working_days_between(today, due_on))
    late = max(1, calendar.working_days_between(due_on, today))
    kind = Lateness.VERY_OVERDUE if late > VERY_OVERDUE_WORKING_DAYS else Lateness.OVERDUE
    return TimeLeft(kind, late)
