"""The petitions module's spreadsheets: the petitions with their counts (the list's
filter), and signatures per day per petition."""

from __future__ import annotations

from aiohttp import web

from bot.admin.context import AdminContext
from bot.admin.contract import AdminRoute
from bot.admin.exports import Row, export
from civic import reports
from handlers import petition_views
from storage.models import PetitionStatus

STATUSES = [status.value for status in PetitionStatus]


async def petitions_csv(context: AdminContext) -> web.StreamResponse:
    t = context.texts
    raw_status = context.request.query.get("status", "")
    statuses = [PetitionStatus(raw_status)] if raw_status in STATUSES else None
    statement = reports.petitions(
        context.official, statuses, context.request.query.get("q", "")[:100]
    )

    def shape(row: Row) -> Row:
        (petition_id, title, name_uk, name_en, status, *times_and_counts) = row
        authority = name_en if t.locale == "en" else name_uk
        return (
            petition_id,
            title,
            authority,
            petition_views.status_label(t, status),
            *times_and_counts,
        )

    header = [
        t._("Number"),
        t._("Title"),
        t._("Authority"),
        t._("Status"),
        t._("Submitted (Kyiv time)"),
        t._("Published (Kyiv time)"),
        t._("Closes (Kyiv time)"),
        t._("Signatures needed"),
        t._("Signatures"),
        t._("Threshold reached (Kyiv time)"),
        t._("Answered (Kyiv time)"),
    ]
    return await export(context, "petitions.csv", header, statement, shape)


async def signatures_csv(context: AdminContext) -> web.StreamResponse:
    t = context.texts
    raw = context.request.query.get("petition", "")
    petition_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    statement = reports.signatures_per_day(
        context.official, context.zone, context.database.dialect, context.now, petition_id
    )
    header = [t._("Petition"), t._("Title"), t._("Day (Kyiv time)"), t._("Signatures")]
    return await export(context, "signatures-per-day.csv", header, statement)


ROUTES = (
    AdminRoute("GET", "/exports/petitions.csv", petitions_csv),
    AdminRoute("GET", "/exports/signatures.csv", signatures_csv),
)
