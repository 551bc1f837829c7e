"""What the command-line commands share: opening a checked database, reading and writing
files, and the exception for input the rules refuse."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.settings import Settings, SettingsError
from storage.db import Database
from storage.migrate import schema_is_current


class CommandRefused(Exception):
    """The input was understood but the rules refuse it (exit 1); one line says why."""


async def open_database(
    settings: Settings, *, pool_size: int = 10, max_overflow: int | None = None
) -> Database:
    """The configured database, once it answers and its schema is current; otherwise one
    line naming what to do (no traceback)."""
    database = Database(settings.database_url, pool_size=pool_size, max_overflow=max_overflow)
    try:
        current = await schema_is_current(database.engine)
    except OSError as error:
        await database.dispose()
        raise SettingsError(f"VZ_DATABASE_URL: the database does not answer ({error})") from None
    if not current:
        await database.dispose()
        raise SettingsError(
            "the database schema is not up to date: run `vzayemodiia migrate` first"
        )
    return database


def read_file(file: str) -> bytes:
    """The bytes of ``file`` (``-``: standard input); a failure is one line naming it."""
    try:
        return sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as error:
        raise SettingsError(f"{file}: cannot read the file ({error.strerror})") from None


def write_file(file: str, data: bytes) -> None:
    """Write ``data`` to ``file`` (``-``: standard output); a failure is one line naming it."""
    if file == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(file).write_bytes(data)
    except OSError as error:
        raise SettingsError(f"{file}: cannot write the file ({error.strerror})") from None
