"""The information requests module's spreadsheets: every request with its timeliness,
and the same counted per authority."""

from __future__ import annotations

from aiohttp import web

from bot.admin.context import AdminContext
from bot.admin.contract import AdminRoute
from bot.admin.exports import Row, export
from civic import reports
from civic.reports import Timeliness
from handlers import request_views
from handlers.texts import Texts


def timeliness_label(t: Texts, value: Timeliness) -> str:
    labels = {
        Timeliness.ON_TIME: t._("on time"),
        Timeliness.LATE: t._("late"),
        Timeliness.RUNNING: t._("in progress"),
        Timeliness.OVERDUE: t._("overdue"),
        Timeliness.WITH_CITIZEN: t._("waiting for the citizen"),
        Timeliness.WITHDRAWN: t._("withdrawn"),
    }
    return labels[value]


def _authority_param(context: AdminContext) -> int | None:
    raw = context.request.query.get("authority", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


async def requests_csv(context: AdminContext) -> web.StreamResponse:
    t = context.texts
    statement = reports.requests(context.official, _authority_param(context))

    def shape(row: Row) -> Row:
        number, name_uk, name_en, status, received, due, extended, responded = row
        timely = reports.timeliness(status, due, responded, context.now)
        # Calendar days past the due date: for a late response, or an open overdue one.
        late_by = (responded or context.now) - due
        days_late = late_by.days if timely in (Timeliness.LATE, Timeliness.OVERDUE) else ""
        return (
            number,
            name_en if t.locale == "en" else name_uk,
            request_views.status_label(t, status),
            received,
            due,
            extended,
            responded,
            timeliness_label(t, timely),
            days_late,
        )

    header = [
        t._("Number"),
        t._("Authority"),
        t._("Status"),
        t._("Received (Kyiv time)"),
        t._("Due (Kyiv time)"),
        t._("Extended (Kyiv time)"),
        t._("Responded (Kyiv time)"),
        t._("Timeliness"),
        t._("Days late"),
    ]
    return await export(context, "requests.csv", header, statement, shape)


async def requests_by_authority_csv(context: AdminContext) -> web.StreamResponse:
    t = context.texts
    statement = reports.requests_by_authority(context.official, context.now)

    def shape(row: Row) -> Row:
        authority_id, name_uk, name_en, *counts = row
        return (authority_id, name_en if t.locale == "en" else name_uk, *counts)

    header = [
        t._("Authority id"),
        t._("Authority"),
        t._("Requests"),
        t._("Open"),
        t._("Overdue now"),
        t._("Responded on time"),
        t._("Responded late"),
        t._("Refused"),
        t._("Withdrawn"),
    ]
    return await export(context, "requests-by-authority.csv", header, statement, shape)


ROUTES = (
    AdminRoute("GET", "/exports/requests.csv", requests_csv),
    AdminRoute("GET", "/exports/requests-by-authority.csv", requests_by_authority_csv),
)
