"""Ukraine's working days: the holidays library's calendar, with officials' overrides on top.

The default is ``holidays.Ukraine`` as it stands. It knows weekends, public holidays and
days off moved by the Cabinet, with the Saturdays worked in exchange. It also follows the
martial-law rule in force since 24 February 2022, under which public holidays are working
days. An override makes one date a day off or a working day whatever the library says.
Officials use it when the rules change, for example when martial law ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import holidays

from storage.models import CalendarDayKind


@dataclass(frozen=True, slots=True)
class DayOff:
    """Why a day is not a working day: a weekend, a holiday (its name), or an override."""

    day: date
    reason: str  # "weekend", "holiday" or "override"
    name: str = ""  # the holiday's name or the override's reason


class WorkingCalendar:
    def __init__(self, overrides: Mapping[date, tuple[CalendarDayKind, str]] | None = None):
        # years= is filled in lazily by the library as dates are asked about.
        self._base = holidays.country_holidays("UA")
        self._overrides = dict(overrides or {})

    def changed(self, day: date, kind: CalendarDayKind | None) -> WorkingCalendar:
        """This calendar with ``day`` overridden to ``kind`` (None: its override gone)."""
        overrides = dict(self._overrides)
        if kind is None:
            overrides.pop(day, None)
        else:
            overrides[day] = (kind, overrides.get(day, (kind, ""))[1])
        return WorkingCalendar(overrides)

    def day_off(self, day: date) -> DayOff | None:
        """None on a working day; otherwise why not."""
        override = self._overrides.get(day)
        if override is not None:
            kind, reason = override
            return None if kind is CalendarDayKind.WORKING_DAY else DayOff(day, "override", reason)
        if self._base.is_working_day(day):
            return None
        name = self._base.get(day)
        if name is not None:
            return DayOff(day, "holiday", str(name))
        return DayOff(day, "weekend")

    def is_working_day(self, day: date) -> bool:
        return self.day_off(day) is None

    def working_days_after(self, start: date, count: int) -> tuple[date, list[DayOff]]:
        """The ``count``-th working day after ``start`` (``start`` itself not counted), and
        the days off skipped on the way: how a term "of N working days" ends."""
        if count < 1:
            raise ValueError("count must be at least 1")
        skipped: list[DayOff] = []
        counted = 0
        for day in _days_after(start):
            off = self.day_off(day)
            if off is not None:
                skipped.append(off)
                continue
            counted += 1
            if counted == count:
                return day, skipped
        raise AssertionError("unreachable: days are unbounded")

    def working_days_between(self, first: date, last: date) -> int:
        """Working days in ``(first, last]``: how many a term has used up by ``last``."""
        return sum(1 for day in _range(first + timedelta(days=1), last) if self.is_working_day(day))


def weekday_holidays(year: int, language: str = "en") -> dict[date, str]:
    """The library's days off work in ``year`` that fall on weekdays, named in
    ``language`` (``uk`` or ``en``); weekends need no mention, overrides not applied."""
    library = holidays.country_holidays(
        "UA", years=year, language="uk" if language == "uk" else "en_US"
    )
    return {
        day: str(library.get(day) or "day off")
        for day in _range(date(year, 1, 1), date(year, 12, 31))
        if day.weekday() < 5 and not library.is_working_day(day)
    }


def _days_after(start: date) -> Iterator[date]:
    day = start
    while True:
        day += timedelta(days=1)
        yield day


def _range(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
