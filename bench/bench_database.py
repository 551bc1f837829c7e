"""The database of bench/webhook_telegram.py: a fresh PostgreSQL database or SQLite file.

Both kinds are made the same way for the benchmark: created empty, migrated with the
project's migrations (``storage.migrate.upgrade_async``), given the petitions by the civic
rules (bench/sign_petition.py's ``create_open_petitions``), and R x (W + N) verified
citizens with Telegram accounts by bulk SQL, not through the core and not timed. They
differ in what surrounds that:

- **PostgreSQL** (``--database-url`` names a server): ``vz_bench_<random>`` is created on
  it and dropped at the end; the citizens come from one ``INSERT ... SELECT`` over
  ``generate_series`` (asyncpg), then ``VACUUM ANALYZE`` and a ``CHECKPOINT`` (where the
  role may) so that autovacuum and the checkpointer have nothing of ours left to do
  during a phase. The sessions PostgreSQL opened are counted from ``pg_stat_database``.
- **SQLite** (``--database-url`` starts with ``sqlite``): a fresh file
  ``bench.sqlite3`` in the benchmark's temporary work directory, gone with it; a path
  in the URL is not used. The citizens are two SQLAlchemy Core ``insert(...)``
  executemanys through the product's own engine set-up (``storage.db.Database``: WAL,
  foreign keys, ``BEGIN IMMEDIATE``), so the bind conversions (timestamps, JSON) are the
  product's. Then ``PRAGMA wal_checkpoint(TRUNCATE)`` folds the bulk insert's WAL into
  the file, as the ``CHECKPOINT`` does on PostgreSQL. No ``ANALYZE``: nothing in the
  product runs it, so a deployed SQLite file has no planner statistics either. There are
  no server sessions to count and no server process to measure: the database work runs
  inside the bot's process and is counted in its CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import asyncpg  # type: ignore[import-untyped]  # no stubs, no py.typed
from sign_petition import (
    CHANNEL,
    FIRST_USER_ID,
    Target,
    create_database,
    drop_database,
    prepare_citizens,
    server_version,
    target_for,
)
from sqlalchemy import insert, select

from storage.db import Database
from storage.models import ChannelAccount, Citizen

SQLITE_FILE = "bench.sqlite3"


def is_sqlite_request(database_url: str) -> bool:
    """``--database-url sqlite``, ``sqlite+aiosqlite:///...``: the embedded database."""
    return database_url.strip().lower().startswith("sqlite")


class BenchDatabase(Protocol):
    """What bench/webhook_telegram.py needs of its database, whichever kind it is."""

    kind: str  # "postgresql" or "sqlite"
    title: str  # "PostgreSQL" or "SQLite"

    @property
    def url(self) -> str:
        """The SQLAlchemy URL: ``VZ_DATABASE_URL`` of the bot, and the checks'."""
        ...

    @property
    def label(self) -> str:
        """What "creating ... and migrating it" names."""
        ...

    async def create(self) -> None: ...

    async def drop(self) -> None: ...

    async def prepare_citizens(self, count: int, now: datetime) -> list[str]:
        """``count`` verified citizens with Telegram accounts; their Telegram user ids."""
        ...

    async def settle(self) -> None:
        """After the bulk insert: leave the database nothing of ours to do while timing."""
        ...

    async def version(self) -> tuple[str, str]:
        """The report's line: (heading, text)."""
        ...

    def session_counter(self) -> Callable[[], Awaitable[int]] | None:
        """Sessions ever opened to the database so far, None where there are none."""
        ...


@dataclass(frozen=True, slots=True)
class PostgresBenchDatabase:
    """A fresh database on the PostgreSQL server ``--database-url`` names (as before)."""

    target: Target
    kind: str = "postgresql"
    title: str = "PostgreSQL"

    @property
    def url(self) -> str:
        return self.target.url

    @property
    def label(self) -> str:
        return f"database {self.target.name}"

    async def create(self) -> None:
        await create_database(self.target)

    async def drop(self) -> None:
        await drop_database(self.target)

    async def prepare_citizens(self, count: int, now: datetime) -> list[str]:
        return await prepare_citizens(self.target, count, now)

    async def settle(self) -> None:
        connection = await asyncpg.connect(self.target.dsn, timeout=10)
        try:
            await connection.execute("VACUUM ANALYZE")
            with contextlib.suppress(asyncpg.PostgresError):  # superusers, pg_checkpoint
                await connection.execute("CHECKPOINT")
        finally:
            await connection.close()

    async def version(self) -> tuple[str, str]:
        return "postgresql", await server_version(self.target)

    def session_counter(self) -> Callable[[], Awaitable[int]] | None:
        return self.sessions_so_far

    async def sessions_so_far(self) -> int:
        """PostgreSQL's count of sessions ever opened to the database (this one too)."""
        connection = await asyncpg.connect(self.target.dsn, timeout=10)
        try:
            query = "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
            return int(await connection.fetchval(query))
        finally:
            await connection.close()


@dataclass(frozen=True, slots=True)
class SqliteBenchDatabase:
    """A fresh SQLite file in the benchmark's work directory (removed with it)."""

    path: Path
    kind: str = "sqlite"
    title: str = "SQLite"

    @property
    def url(self) -> str:
        return f"sqlite+aiosqlite:///{self.path}"

    @property
    def label(self) -> str:
        return f"SQLite file {self.path}"

    async def create(self) -> None:
        for leftover in self.files():
            leftover.unlink(missing_ok=True)

    async def drop(self) -> None:
        for leftover in self.files():
            leftover.unlink(missing_ok=True)

    def files(self) -> list[Path]:
        return [self.path.with_name(self.path.name + tail) for tail in ("", "-wal", "-shm")]

    async def prepare_citizens(self, count: int, now: datetime) -> list[str]:
        citizen = Citizen.__table__
        account = ChannelAccount.__table__
        phones = [
            {
                "phone_hash": hashlib.sha256(f"bench-phone-{number}".encode()).hexdigest(),
                "phone_hint": f"{number % 100:02d}",
                "phone_verified_at": now,
                "created_at": now,
            }
            for number in range(1, count + 1)
        ]
        database = Database(self.url)
        try:
            async with database.engine.begin() as connection:
                returning = insert(citizen).returning(citizen.c.id, sort_by_parameter_order=True)
                ids = (await connection.execute(returning, phones)).scalars().all()
                accounts = [
                    {
                        "channel": CHANNEL,
                        "external_id": str(FIRST_USER_ID + number),
                        "citizen_id": citizen_id,
                        "locale": "uk",
                        "dialog_state": {},
                        "created_at": now,
                        "last_seen_at": now,
                    }
                    for number, citizen_id in enumerate(ids, start=1)
                ]
                await connection.execute(insert(account), accounts)
            async with database.engine.connect() as connection:
                query = (
                    select(account.c.external_id)
                    .join(citizen, citizen.c.id == account.c.citizen_id)
                    .where(account.c.channel == CHANNEL, citizen.c.phone_hash.is_not(None))
                    .order_by(account.c.id)
                )
                user_ids = [str(value) for value in (await connection.scalars(query)).all()]
        finally:
            await database.dispose()
        if len(user_ids) != count:
            raise SystemExit(f"prepared {len(user_ids)} citizens, expected {count}")
        return user_ids

    async def settle(self) -> None:
        await asyncio.to_thread(self.checkpoint)

    def checkpoint(self) -> None:
        """Fold the WAL into the file, outside any transaction (a plain sqlite3 connection)."""
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            connection.close()
        if busy:
            raise SystemExit(f"could not checkpoint {self.path}: the database was busy")

    async def version(self) -> tuple[str, str]:
        return (
            "sqlite",
            f"{sqlite3.sqlite_version} (this Python's sqlite3 library, the bot's too),"
            f" file {self.path}",
        )

    def session_counter(self) -> Callable[[], Awaitable[int]] | None:
        return None


def bench_database(database_url: str, workdir: Path) -> BenchDatabase:
    """The benchmark's database for ``--database-url``: SQLite when it says so."""
    if is_sqlite_request(database_url):
        return SqliteBenchDatabase(workdir / SQLITE_FILE)
    return PostgresBenchDatabase(target_for(database_url))
