"""``/admin/audit``: the audit log, newest first, filterable by person, action, object and
date; read only (there is no route that changes an entry, and the table refuses it)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from aiohttp import web

from bot.admin.context import AdminContext
from bot.admin.contract import AdminRoute
from bot.admin.exports import Row, export
from civic import audit

PAGE_SIZE = 50


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def audit_filter(context: AdminContext) -> audit.AuditFilter:
    query = context.request.query
    return audit.AuditFilter(
        official=query.get("official", "").strip()[:254] or None,
        action=query.get("action", "").strip()[:60] or None,
        object_type=query.get("object_type", "").strip()[:40] or None,
        object_id=query.get("object_id", "").strip()[:64] or None,
        day_from=_day(query.get("from", "")),
        day_to=_day(query.get("to", "")),
    )


async def audit_log(context: AdminContext) -> web.StreamResponse:
    query = audit_filter(context)
    raw_before = context.request.query.get("before", "")
    before_id = int(raw_before) if raw_before.isascii() and raw_before.isdigit() else None
    async with context.database.transaction() as session:
        entries = await audit.page(
            session, query, context.zone, context.official, before_id=before_id, size=PAGE_SIZE + 1
        )
        actions = await audit.actions(session)
        total = await audit.count(session, query, context.zone, context.official)
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    next_before = entries[-1].id if more and entries else None
    return context.render(
        "audit.html",
        entries=entries,
        actions=actions,
        total=total,
        next_before=next_before,
        filters=context.request.query,
    )


def _json(values: dict[str, Any] | None) -> str:
    return "" if values is None else json.dumps(values, ensure_ascii=False, sort_keys=True)


async def audit_csv(context: AdminContext) -> web.StreamResponse:
    """The filtered log, oldest first, before and after as JSON."""
    t = context.texts
    statement = audit.export_rows(audit_filter(context), context.zone, context.official)

    def shape(row: Row) -> Row:
        *head, before, after, summary = row
        return (*head, _json(before), _json(after), summary)

    header = [
        t._("Entry"),
        t._("When (Kyiv time)"),
        t._("Who"),
        t._("IP address"),
        t._("Action"),
        t._("Object"),
        t._("Object id"),
        t._("Before"),
        t._("After"),
        t._("Summary"),
    ]
    return await export(context, "audit.csv", header, statement, shape)


ROUTES = (
    AdminRoute("GET", "/audit", audit_log),
    AdminRoute("GET", "/exports/audit.csv", audit_csv),
)
