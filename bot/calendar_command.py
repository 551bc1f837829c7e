"""``vzayemodiia calendar``: administrators list, set and clear the working-day calendar's
overrides; open requests' due dates follow (civic/information_requests.py)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.command_support import CommandRefused, open_database
from bot.settings import Settings, SettingsError
from civic.clock import SystemClock
from civic.information_requests import (
    CALENDAR_REASON_RULE,
    InformationRequests,
    Moved,
    RequestError,
)
from civic.text import TextProblem, check_length
from civic.working_days import weekday_holidays
from storage.models import CalendarDayKind, CalendarOverride


def add_calendar_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # DATE, --year and --reason are checked by the runner, not by argparse, so that a bad
    # value is one line on standard error rather than the usage text.
    calendar = commands.add_parser(
        "calendar", help="the working-day calendar: list, set or clear officials' overrides"
    )
    actions = calendar.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list", help="the overrides; with --year also that year's holidays off work"
    )
    listing.add_argument("--year", metavar="YYYY", help="only this year, and its holidays")
    for action, what in (("day-off", "a day off"), ("working-day", "a working day")):
        setting = actions.add_parser(
            action,
            help=f"make DATE {what} whatever the default calendar says; "
            "open requests' due dates follow",
        )
        setting.add_argument("date", metavar="DATE", help="YYYY-MM-DD")
        setting.add_argument(
            "--reason",
            metavar="TEXT",
            help="why the day changes (required, at least "
            f"{CALENDAR_REASON_RULE.min_chars} characters)",
        )
    clearing = actions.add_parser(
        "clear", help="remove the override of DATE: the default calendar applies again"
    )
    clearing.add_argument("date", metavar="DATE", help="YYYY-MM-DD")


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
# English names whatever the process's locale.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_KINDS = {
    "day-off": CalendarDayKind.DAY_OFF,
    "working-day": CalendarDayKind.WORKING_DAY,
}
_KIND_NAMES = {
    CalendarDayKind.DAY_OFF: "a day off",
    CalendarDayKind.WORKING_DAY: "a working day",
}
_LIST_LABEL_WIDTH = len("working day (override)")


async def run_calendar(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "list":
        year = None if args.year is None else _parse_year(args.year)
        return await _list_calendar(settings, year)
    day = _parse_date(args.date)
    if args.action == "clear":
        return await _clear_calendar_day(settings, day)
    reason = _check_reason(args.reason)
    return await _set_calendar_day(settings, day, _KINDS[args.action], reason)


def _parse_date(raw: str) -> date:
    try:
        if _ISO_DATE.fullmatch(raw.strip()):
            return date.fromisoformat(raw.strip())
    except ValueError:
        pass
    raise SettingsError(f"DATE: {raw!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-02")


def _parse_year(raw: str) -> int:
    if not _YEAR.fullmatch(raw.strip()) or int(raw) < 1:
        raise SettingsError(f"--year: {raw!r} is not a year; write it as YYYY, e.g. 2026")
    return int(raw)


def _check_reason(raw: str | None) -> str:
    """The cleaned reason, by the civic rule; checked before the database is touched."""
    if raw is None:
        raise SettingsError("--reason is required: say why the day changes, e.g. a day of mourning")
    try:
        return check_length(raw, CALENDAR_REASON_RULE)
    except TextProblem as problem:
        raise CommandRefused(f"--reason: {_text_problem(problem)}") from None


def _text_problem(problem: TextProblem) -> str:
    rule = problem.rule
    return {
        "empty": "must not be empty",
        "too_short": f"too short: {problem.length} characters, at least {rule.min_chars}",
        "too_long": f"too long: {problem.length} characters, at most {rule.max_chars}",
        "no_letters": f"must contain at least {rule.min_letters} letters",
    }.get(problem.kind, problem.kind)


def _long_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _moved_lines(moved: Sequence[Moved], zone: ZoneInfo) -> list[str]:
    """How many due dates moved, then one line per request (by number): old -> new."""
    count = len(moved)
    lines = [f"Due dates moved: {count} open request{'' if count == 1 else 's'}."]
    for item in sorted(moved, key=lambda item: item.request.number):
        old = _long_date(item.old_due_at.astimezone(zone).date())
        new = _long_date(item.new_due_at.astimezone(zone).date())
        lines.append(f"{item.request.number}: {old} -> {new}")
    return lines


async def _set_calendar_day(
    settings: Settings, day: date, kind: CalendarDayKind, reason: str
) -> int:
    database = await open_database(settings)
    try:
        async with database.transaction() as session:
            previous = await session.get(CalendarOverride, day)
            was = None if previous is None else (previous.kind, previous.reason)
            requests = InformationRequests(session, settings.zone)
            moved = await requests.set_calendar_day(day, kind, reason, SystemClock().now())
            lines = _moved_lines(moved, settings.zone)
    finally:
        await database.dispose()
    print(f"{day.isoformat()} ({_WEEKDAYS[day.weekday()]}) is now {_KIND_NAMES[kind]}: {reason}")
    if was is not None:
        print(f"It replaces the override that made it {_KIND_NAMES[was[0]]}: {was[1]}")
    print("\n".join(lines))
    return 0


async def _clear_calendar_day(settings: Settings, day: date) -> int:
    database = await open_database(settings)
    try:
        async with database.transaction() as session:
            requests = InformationRequests(session, settings.zone)
            try:
                moved = await requests.clear_calendar_day(day, SystemClock().now())
            except RequestError as error:
                if error.code != "no_override":
                    raise
                raise CommandRefused(
                    f"{day.isoformat()} has no override to clear (see `vzayemodiia calendar list`)"
                ) from None
            lines = _moved_lines(moved, settings.zone)
    finally:
        await database.dispose()
    print(f"Override of {day.isoformat()} removed: the default calendar applies again.")
    print("\n".join(lines))
    return 0


async def _list_calendar(settings: Settings, year: int | None) -> int:
    """Overrides (all, or one year's), and for a year the library's holidays off work."""
    statement = select(CalendarOverride).order_by(CalendarOverride.day)
    if year is not None:
        statement = statement.where(
            CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31)
        )
    database = await open_database(settings)
    try:
        async with database.reading() as session:
            overrides = [
                (row.day, row.kind, row.reason) for row in (await session.scalars(statement))
            ]
    finally:
        await database.dispose()

    holidays = {} if year is None else weekday_holidays(year)

    entries: list[tuple[date, str, str]] = []
    for day, kind, reason in overrides:
        label = "day off" if kind is CalendarDayKind.DAY_OFF else "working day"
        text = reason
        if day in holidays:
            text += f" (overrides the holiday: {holidays.pop(day)})"
        entries.append((day, f"{label} (override)", text))
    entries += [(day, "holiday", name) for day, name in holidays.items()]
    if not entries:
        where = "" if year is None else f" in {year}"
        extra = "" if year is None else " and no holidays off work"
        print(f"No overrides{extra}{where}.")
        return 0
    for day, label, text in sorted(entries):
        weekday = _WEEKDAYS[day.weekday()][:3]
        print(f"{day.isoformat()} {weekday}  {label:<{_LIST_LABEL_WIDTH}}  {text}")
    return 0
