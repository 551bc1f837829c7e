"""Engine and session set-up for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import hot

READ_ONLY_OPTION = "vz_read_only"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a file-based SQLite database (``./var/`` by default)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(
    url: str, *, pool_size: int = 10, max_overflow: int | None = None, echo: bool = False
) -> AsyncEngine:
    """An engine; on PostgreSQL a pool of ``pool_size`` connections plus ``max_overflow``
    (default: as many again) opened for bursts and closed when idle ones are queued."""
    if is_sqlite(url):
        ensure_sqlite_directory(url)
        # check_same_thread: storage/hot.py runs the hot statements on the event loop's
        # thread, while aiosqlite's own thread is idle (every call into it is awaited).
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False}
        )
        _serialise_sqlite_writers(engine)
        return engine
    # No pre-ping: it costs every event a round trip (~130 us of CPU, 6% of a sign event).
    # Disconnects are handled optimistically instead: a connection the server dropped
    # fails its event before anything commits, SQLAlchemy invalidates the pool, and the
    # conversation core runs the event once more on a fresh connection.
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_pre_ping=False,
    )


def _serialise_sqlite_writers(engine: AsyncEngine) -> None:
    """Make every SQLite transaction ``BEGIN IMMEDIATE`` and turn on WAL and foreign keys.

    pysqlite's default deferred transactions let two writers both read, then one fails
    with "database is locked" when upgrading its lock. IMMEDIATE takes the write lock up
    front so concurrent events queue (up to the busy timeout) instead of failing.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Readers (the public API) take no write lock, so they never queue behind signing.
        reading = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


class Database:
    """An engine and its session factory; one ``AsyncSession`` per incoming event.

    On SQLite, write transactions of this process take turns on an ``asyncio.Lock``
    before they begin: SQLite has one writer at a time, and without the lock every
    concurrent event would sleep in SQLite's busy handler (which polls with growing
    sleeps, so a queue of 32 writers waited seconds; docs/performance.md). Readers
    (``reading``) do not take it, so the open-data API reads in parallel (WAL). Other
    processes on the same file still wait in the busy handler, up to its timeout.
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int | None = None,
        echo: bool = False,
    ) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size, max_overflow=max_overflow, echo=echo)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(
            self.engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
        )
        # PostgreSQL: events run in transactions the driver begins and ends (storage/hot.py).
        self._autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._writer = asyncio.Lock() if self.dialect == "sqlite" else None
        # Set while the current task holds this database's writer lock.
        self._writing: ContextVar[bool] = ContextVar(f"vz_writing_{id(self)}", default=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error.

        On PostgreSQL the transaction is the driver's own (docs/decisions/0004): do not
        call ``session.commit()`` or ``rollback()`` inside; the block's end does that.
        """
        if self.dialect == "postgresql":
            async with hot.driver_transaction(
                self._autocommit_engine, self._bound_session
            ) as session:
                yield session
            return
        assert self._writer is not None
        if self._writing.get():
            # The lock is not re-entrant: a transaction opened inside another one of the
            # same task would wait for itself for ever.
            raise RuntimeError("a write transaction is already open in this task")
        async with self._writer:
            token = self._writing.set(True)
            try:
                async with self.sessions() as session, session.begin():
                    yield session
            finally:
                self._writing.reset(token)

    @staticmethod
    def _bound_session(connection: AsyncConnection) -> AsyncSession:
        return AsyncSession(bind=connection, expire_on_commit=False)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only: on SQLite it does not take the write lock."""
        async with self.read_sessions() as session, session.begin():
            yield session

    async def ping(self) -> bool:
        from sqlalchemy import text

        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # any failure means "the database does not answer"
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
