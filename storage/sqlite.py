"""SQLite, the embedded default: WAL, foreign keys, and one writer at a time.

SQLite lets one transaction write at a time. Left to itself, every concurrent event of
this process would wait for the write lock inside SQLite's busy handler, which polls with
growing sleeps: at 32 events in flight p99 was 2.8 s (docs/performance.md). So:

- **Writers take turns in the process.** ``write_transaction`` holds an ``asyncio.Lock``
  from ``BEGIN IMMEDIATE`` to ``COMMIT``; a writer of this process never meets the lock
  held by another one. Readers (the open-data API) do not take it: in WAL mode they read
  in parallel. Other processes on the same file (the terminal chat, ``tick``, imports)
  still meet it, and wait in the busy handler up to ``BUSY_TIMEOUT_MS``.
- **Nothing inside the turn waits for a thread.** aiosqlite runs every call on a thread
  of its own; a statement through SQLAlchemy costs about four handoffs, each ~100 us of
  CPU and a trip around the event loop, during which the other writers wait. So the
  transaction is begun and committed on the sqlite3 connection itself, on the event
  loop's thread (the hot statements run there too, ``storage.hot``): ``BEGIN IMMEDIATE``
  is tried with the busy timeout at zero, so it either takes the lock at once or (another
  process writes) is left to aiosqlite's thread to wait for. ``COMMIT`` is the one call
  left to aiosqlite's thread: it syncs the WAL file to disk, which must not stop the
  event loop (done on the loop, it made the slowest 1 % of events 40 % slower).
  Statements the ORM runs go through aiosqlite on the same connection, in the same
  transaction.

The connection is opened with ``check_same_thread=False`` for this; aiosqlite's thread is
idle whenever our code runs, since every call into it is awaited.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

# How long a SQLite writer waits for another process's write transaction to end.
BUSY_TIMEOUT_MS = 30_000
OWN_TRANSACTION_KEY = "vz_sqlite_transaction"


def configure(engine: AsyncEngine, read_only_option: str) -> None:
    """WAL, foreign keys and the busy timeout on every connection; ``BEGIN IMMEDIATE`` for
    SQLAlchemy's own write transactions, a plain ``BEGIN`` for ``read_only_option``'s.

    pysqlite's default deferred transactions let two writers both read, then one fails
    with "database is locked" when upgrading its lock. IMMEDIATE takes the write lock up
    front.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(dbapi_connection: Any, _record: Any) -> None:
        # The pool's own reset would roll back every connection through aiosqlite's thread
        # (a handoff per event); a transaction is rarely open here, and ending it on the
        # sqlite3 connection takes no wait.
        raw = getattr(getattr(dbapi_connection, "_connection", None), "_conn", None)
        if isinstance(raw, sqlite3.Connection) and raw.in_transaction:
            raw.execute("ROLLBACK")

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        raw = raw_connection(connection)
        if raw is not None and raw.in_transaction:
            return  # inside ``write_transaction``: the ORM's statements join it
        # Readers (the public API) take no write lock, so they never queue behind signing.
        reading = connection.get_execution_options().get(read_only_option, False)
        statement = "BEGIN" if reading else "BEGIN IMMEDIATE"
        if raw is None or not begin_at_once(raw, statement):
            connection.exec_driver_sql(statement)


def raw_connection(connection: Any) -> sqlite3.Connection | None:
    """The sqlite3 connection under a SQLAlchemy connection (aiosqlite keeps it as
    ``_conn``, as SQLAlchemy's own adapter knows); None for anything else."""
    adapted = connection.connection.driver_connection
    raw = getattr(adapted, "_conn", None)
    return raw if isinstance(raw, sqlite3.Connection) else None


def begin_at_once(raw: sqlite3.Connection, statement: str) -> bool:
    """``statement`` (a ``BEGIN``) on this thread if it needs no waiting; False when
    another process holds the lock it needs (then nothing was begun)."""
    raw.execute("PRAGMA busy_timeout=0")
    try:
        raw.execute(statement)
    except sqlite3.OperationalError as error:
        if not is_busy(error):
            raise
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return True


def is_busy(error: sqlite3.Error) -> bool:
    message = str(error).casefold()
    return "locked" in message or "busy" in message


@asynccontextmanager
async def write_transaction(
    engine: AsyncEngine,
    session_factory: Callable[[AsyncConnection], AsyncSession],
    turn: asyncio.Lock,
    writing: ContextVar[bool],
) -> AsyncIterator[AsyncSession]:
    """A session in one write transaction, begun and committed on the sqlite3 connection
    while this process's writers take ``turn`` (see the module's docstring). Flushed and
    committed on success, rolled back on any error."""
    if writing.get():
        # The turn is not re-entrant: a transaction opened inside another one of the same
        # task would wait for itself for ever.
        raise RuntimeError("a write transaction is already open in this task")
    async with engine.connect() as connection:
        sync_connection = connection.sync_connection
        assert sync_connection is not None
        raw = raw_connection(sync_connection)
        if raw is None:
            raise RuntimeError("SQLite write transactions need the aiosqlite driver")
        session = session_factory(connection)
        token = writing.set(True)
        try:
            async with turn:
                if not begin_at_once(raw, "BEGIN IMMEDIATE"):
                    # Another process writes: aiosqlite's thread waits for it, not the loop.
                    aiosqlite_connection: Any = sync_connection.connection.driver_connection
                    await aiosqlite_connection.execute("BEGIN IMMEDIATE")
                session.info[OWN_TRANSACTION_KEY] = raw
                try:
                    yield session
                    await session.flush()
                except BaseException:
                    if raw.in_transaction:
                        raw.execute("ROLLBACK")
                    raise
                await _commit(sync_connection)
        finally:
            writing.reset(token)
            await session.close()


async def _commit(connection: Any) -> None:
    """``COMMIT`` on aiosqlite's thread: it syncs the WAL to disk (about 1 ms here, far
    more on a slow disk), which must not stop the event loop; and an automatic
    checkpoint, when due, runs in it too."""
    aiosqlite_connection: Any = connection.connection.driver_connection
    raw = raw_connection(connection)
    try:
        await aiosqlite_connection.execute("COMMIT")
    except sqlite3.Error as error:
        if raw is not None and raw.in_transaction:
            raw.execute("ROLLBACK")
        raise DBAPIError.instance("COMMIT", (), error, sqlite3.Error) from error
