"""Engine and session set-up for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import hot, sqlite

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
        # The readers' engine; writes go through the writer's (storage.sqlite).
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args=sqlite.CONNECT_ARGS,
            # storage.sqlite rolls back on check-in, on this thread, only what is open.
            pool_reset_on_return=None,
        )
        sqlite.configure(engine, READ_ONLY_OPTION)
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


class Database:
    """An engine and its session factory; one ``AsyncSession`` per incoming event.

    On PostgreSQL an event's transaction is the driver's own (``storage.hot``); on SQLite
    this process's writers take turns (``storage.sqlite``).
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
        # SQLite: the process's one writer connection (storage.sqlite).
        self.writer = sqlite.Writer(url, READ_ONLY_OPTION) if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error.

        The transaction is the driver's own (docs/decisions/0004; on SQLite see
        ``storage.sqlite``): do not call ``session.commit()`` or ``rollback()`` inside;
        the block's end does that.
        """
        if self.dialect == "postgresql":
            async with hot.driver_transaction(
                self._autocommit_engine, self._bound_session
            ) as session:
                yield session
            return
        assert self.writer is not None
        async with self.writer.transaction(self._bound_session) as session:
            yield session

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
        if self.writer is not None:
            await self.writer.dispose()
        await self.engine.dispose()
