"""The admin web's CSV files of records (the directory, the organisations): the file as
the command line exports it, and an all-or-nothing import from an upload that lists
every problem with its line, in the official's language, and is audited once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin.context import AdminContext
from bot.admin.forms import posted
from bot.admin.responses import secured
from civic.csv_rows import ImportReport, RowProblem

# A file of a million bad rows is described by its first problems.
MAX_PROBLEMS_SHOWN = 500
Importer = Callable[[AsyncSession, bytes, datetime], Awaitable[ImportReport]]


@dataclass(frozen=True)
class CsvImport:
    """One kind of records' import page: its template, the rules that import, and the
    audit action and object type."""

    template: str
    importer: Importer
    action: str
    object_type: str


def explained(context: AdminContext, error: RowProblem) -> str:
    """The problem in the official's language (the command line prints it in English)."""
    return context.texts._(error.template).format(**error.values)


def csv_download(text: str, filename: str) -> web.StreamResponse:
    return secured(
        web.Response(
            body=text.encode("utf-8"),
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{filename}"',
            },
        )
    )


async def import_upload(context: AdminContext, kind: CsvImport) -> web.StreamResponse:
    form = posted(context.request)
    uploads = form.files.get("file", [])
    upload = uploads[0] if uploads else None
    if upload is None or not upload.content:
        return context.render(
            kind.template, http_status=400, report=None, filename=None, missing=True
        )
    async with context.database.transaction() as session:
        report = await kind.importer(session, upload.content, context.now)
        if report.ok:
            context.audit(
                session,
                action=kind.action,
                object_type=kind.object_type,
                object_id=None,
                after={
                    "file": upload.filename,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
            )
    return context.render(
        kind.template,
        http_status=200 if report.ok else 400,
        report=report,
        problems=[
            (error.line, error.column or "", explained(context, error))
            for error in report.errors[:MAX_PROBLEMS_SHOWN]
        ],
        filename=upload.filename,
    )
