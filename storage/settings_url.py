"""The embedded default database location, shared by settings and Alembic."""

from __future__ import annotations

from pathlib import Path

DEFAULT_SQLITE_PATH = Path("var") / "vzayemodiia.sqlite3"


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH.as_posix()}"
