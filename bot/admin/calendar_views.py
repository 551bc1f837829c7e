"""``/admin/calendar``: the working-day calendar's overrides. A change is previewed first
(which running requests it moves, from when to when), then saved with its reason; the
civic rules move the due dates and tell each citizen, as the command line does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from aiohttp import web
from sqlalchemy import select

from bot.admin.context import AdminContext
from bot.admin.contract import AdminRoute
from bot.admin.forms import posted
from bot.admin.responses import see_other
from civic.access import Permission
from civic.information_requests import (
    CALENDAR_REASON_RULE,
    InformationRequests,
    RequestError,
)
from civic.text import TextProblem, check_length
from civic.working_days import weekday_holidays
from storage.models import CalendarDayKind, CalendarOverride

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CLEAR = "clear"
KINDS = (CalendarDayKind.DAY_OFF.value, CalendarDayKind.WORKING_DAY.value, CLEAR)


@dataclass(frozen=True)
class Change:
    """A change as asked: a day, what it becomes (None: its override removed), why."""

    day: date
    kind: CalendarDayKind | None
    reason: str


class ChangeProblem(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _read_change(fields: dict[str, str]) -> Change:
    raw_day = fields.get("day", "").strip()
    try:
        if not _ISO_DATE.fullmatch(raw_day):
            raise ValueError(raw_day)
        day = date.fromisoformat(raw_day)
    except ValueError:
        raise ChangeProblem("bad_date") from None
    raw_kind = fields.get("kind", "")
    if raw_kind not in KINDS:
        raise ChangeProblem("bad_kind")
    if raw_kind == CLEAR:
        return Change(day, None, "")
    try:
        reason = check_length(fields.get("reason", ""), CALENDAR_REASON_RULE)
    except TextProblem as problem:
        raise ChangeProblem(f"text_{problem.kind}") from None
    return Change(day, CalendarDayKind(raw_kind), reason)


def _year(context: AdminContext) -> int:
    raw = context.request.query.get("year", "")
    today = context.now.astimezone(context.zone).year
    if raw.isascii() and raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= 2100:
        return int(raw)
    return today


async def calendar_page(
    context: AdminContext,
    *,
    http_status: int = 200,
    problem: str | None = None,
    asked: dict[str, str] | None = None,
) -> web.StreamResponse:
    year = _year(context)
    async with context.database.reading() as session:
        overrides = (
            await session.scalars(
                select(CalendarOverride)
                .where(CalendarOverride.day.between(date(year, 1, 1), date(year, 12, 31)))
                .order_by(CalendarOverride.day)
            )
        ).all()
    holidays = weekday_holidays(year, context.texts.locale)
    return context.render(
        "calendar.html",
        http_status=http_status,
        year=year,
        overrides=overrides,
        holidays=sorted(holidays.items()),
        overridden={override.day for override in overrides},
        may_change=context.official.can(Permission.MANAGE_CALENDAR),
        problem=problem,
        asked=asked or {},
        reason_rule=CALENDAR_REASON_RULE,
    )


async def calendar_view(context: AdminContext) -> web.StreamResponse:
    return await calendar_page(context)


async def preview(context: AdminContext) -> web.StreamResponse:
    """What the change would move, and the button that saves it; nothing is written."""
    fields = dict(context.request.query)
    try:
        change = _read_change(fields)
    except ChangeProblem as problem:
        return await calendar_page(context, http_status=400, problem=problem.code, asked=fields)
    async with context.database.reading() as session:
        current = await session.get(CalendarOverride, change.day)
        if change.kind is None and current is None:
            return await calendar_page(
                context, http_status=409, problem="no_override", asked=fields
            )
        rules = InformationRequests(session, context.zone)
        moved = await rules.preview_calendar_day(change.day, change.kind)
        before = None if current is None else (current.kind, current.reason)
    return context.render(
        "calendar_preview.html",
        change=change,
        before=before,
        moved=moved,
        holiday=weekday_holidays(change.day.year, context.texts.locale).get(change.day),
    )


async def save(context: AdminContext) -> web.StreamResponse:
    form = posted(context.request)
    fields = {name: form.get(name) for name in ("day", "kind", "reason")}
    try:
        change = _read_change(fields)
    except ChangeProblem as problem:
        return await calendar_page(context, http_status=400, problem=problem.code, asked=fields)
    try:
        async with context.database.transaction() as session:
            current = await session.get(CalendarOverride, change.day)
            before = None if current is None else {"kind": current.kind, "reason": current.reason}
            rules = InformationRequests(session, context.zone)
            if change.kind is None:
                moved = await rules.clear_calendar_day(change.day, context.now)
                after = None
            else:
                moved = await rules.set_calendar_day(
                    change.day, change.kind, change.reason, context.now
                )
                after = {"kind": change.kind, "reason": change.reason}
            context.audit(
                session,
                action="calendar_clear" if change.kind is None else "calendar_set",
                object_type="calendar_day",
                object_id=change.day.isoformat(),
                before=before,
                after={**(after or {}), "requests_moved": [m.request.number for m in moved]},
            )
    except RequestError as error:
        return await calendar_page(context, http_status=409, problem=error.code, asked=fields)
    return see_other(f"/admin/calendar?year={change.day.year}&done=saved&moved={len(moved)}")


ROUTES = (
    AdminRoute("GET", "/calendar", calendar_view),
    AdminRoute("GET", "/calendar/preview", preview, Permission.MANAGE_CALENDAR),
    AdminRoute("POST", "/calendar", save, Permission.MANAGE_CALENDAR),
)
