"""Which real database failures count as "unavailable" (a lost connection, a timeout) and
which are deterministic (storage.errors): the webhooks answer 503 only for the first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.db import Database
from storage.errors import DatabaseUnavailable, is_unavailable

BROKEN_FOREIGN_KEY = (
    "INSERT INTO signature (petition_id, citizen_id, channel, signed_at) "
    "VALUES (987654321, 987654321, 'x', '2026-11-27 10:00:00')"
)


async def _run(database: Database, *statements: str) -> None:
    async with database.transaction() as session:
        for statement in statements:
            await session.execute(text(statement))


async def _error_of(database: Database, *statements: str) -> BaseException:
    with pytest.raises(Exception) as raised:  # noqa: PT011 - any failure is what is studied
        await _run(database, *statements)
    return raised.value


@pytest.mark.parametrize(
    "statement",
    [BROKEN_FOREIGN_KEY, "SELECT * FROM no_such_table", "SELECT 1/0 + 'x'::int"],
    ids=["foreign-key", "missing-table", "bad-value"],
)
async def test_deterministic_failures_are_not_unavailability(
    database: Database, statement: str
) -> None:
    """A broken constraint, a missing table or a bad value fails the same way every time:
    not "unavailable" (a re-delivery would fail again)."""
    if database.dialect == "sqlite" and "::int" in statement:
        statement = "SELECT abs(-9223372036854775808)"  # SQLite's integer overflow error
    error = await _error_of(database, statement)
    assert not is_unavailable(error)


async def test_an_unreachable_database_is_unavailable() -> None:
    """A refused connection is unavailability."""
    database = Database("postgresql+asyncpg://nobody@127.0.0.1:1/nothing")
    try:
        error = await _error_of(database, "SELECT 1")
    finally:
        await database.dispose()
    assert is_unavailable(error)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_statement_timeout_is_unavailable(database: Database) -> None:
    """PostgreSQL cancelling a statement that ran out of time is unavailability."""
    error = await _error_of(database, "SET LOCAL statement_timeout = '10ms'", "SELECT pg_sleep(1)")
    assert isinstance(error, DBAPIError)
    assert is_unavailable(error)


def test_sqlites_busy_timeout_is_unavailable(tmp_path: Path) -> None:
    """SQLite's "database is locked" (another process held the write lock past the busy
    timeout), as SQLAlchemy wraps it, is unavailability."""
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    waiter = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as locked:
            waiter.execute("BEGIN IMMEDIATE")
    finally:
        holder.close()
        waiter.close()
    wrapped = DBAPIError.instance("BEGIN IMMEDIATE", (), locked.value, sqlite3.Error)
    assert is_unavailable(wrapped)


def test_our_own_marker_is_unavailable() -> None:
    """The core's DatabaseUnavailable, wrapped or not, is unavailability."""
    assert is_unavailable(DatabaseUnavailable("down"))
    wrapper = RuntimeError("wrapper")
    wrapper.__cause__ = DatabaseUnavailable("down")
    assert is_unavailable(wrapper)
