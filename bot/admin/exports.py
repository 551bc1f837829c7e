"""CSV downloads, streamed: rows go from a server-side cursor to the browser in chunks,
so a million rows take no more memory than a thousand.

Cells are written for spreadsheets: UTF-8 with a byte-order mark (Excel reads it as
UTF-8), times in Kyiv time, and text that a spreadsheet would run as a formula (starting
with ``=``, ``+``, ``-``, ``@``, tab or carriage return) prefixed with an apostrophe
(OWASP's advice against CSV injection): petition titles and reasons are citizens' text.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import Select

from bot.admin.context import AdminContext
from bot.admin.responses import secured

# Rows fetched from the cursor at a time, and bytes gathered before a write.
ROWS_PER_FETCH = 1000
CHUNK_BYTES = 64 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = Sequence[Any]


def cell(value: Any, zone: ZoneInfo) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        value = value.value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


async def stream_csv(
    context: AdminContext, filename: str, header: Sequence[str], rows: AsyncGenerator[Row, None]
) -> web.StreamResponse:
    response = secured(
        web.StreamResponse(
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{filename}"',
            }
        )
    )
    await response.prepare(context.request)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    # aclosing: a download the browser abandons ends the transaction there and then.
    async with aclosing(rows):
        async for row in rows:
            writer.writerow([cell(value, context.zone) for value in row])
            if buffer.tell() >= CHUNK_BYTES:
                await response.write(buffer.getvalue().encode("utf-8"))
                buffer.seek(0)
                buffer.truncate()
    await response.write(buffer.getvalue().encode("utf-8"))
    await response.write_eof()
    return response


async def streamed_rows(
    context: AdminContext, statement: Select[Any], shape: Callable[[Row], Row] = tuple
) -> AsyncGenerator[Row, None]:
    """The statement's rows through a server-side cursor, in a read-only transaction held
    for the download (a consistent snapshot on PostgreSQL), each shaped for the sheet."""
    async with context.database.reading() as session:
        result = await session.stream(statement.execution_options(yield_per=ROWS_PER_FETCH))
        async for row in result:
            yield shape(row)


async def export(
    context: AdminContext,
    filename: str,
    header: Sequence[str],
    statement: Select[Any],
    shape: Callable[[Row], Row] = tuple,
) -> web.StreamResponse:
    return await stream_csv(context, filename, header, streamed_rows(context, statement, shape))
