"""SQLite's writes go through one writer connection: events take turns in the process (not
in SQLite's busy handler) and are committed in groups (storage/sqlite.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from civic.clock import FixedClock
from handlers.core import ConversationCore
from handlers.events import ButtonPress, IncomingEvent, Sender
from storage.db import Database
from storage.models import Citizen, Signature
from tests.helpers import make_open_petition, signature_count

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)


def _press(petition_id: int, user: int) -> IncomingEvent:
    return IncomingEvent(
        Sender("telegram", f"w{user}", "en"), ButtonPress(f"ps:{petition_id}"), f"u{user}"
    )


def _counting(database: Database) -> dict[str, int]:
    """Counts of the writer's connections and commits, as SQLAlchemy and sqlite3 see them."""
    assert database.writer is not None
    seen = {"connections": 0, "commits": 0}

    @event.listens_for(database.writer.engine.sync_engine, "connect")
    def _connected(dbapi_connection: Any, _record: Any) -> None:
        seen["connections"] += 1
        raw = dbapi_connection._connection._conn

        def trace(statement: str) -> None:
            if statement.strip().upper() == "COMMIT":
                seen["commits"] += 1

        raw.set_trace_callback(trace)

    return seen


async def test_many_writers_at_once_share_one_connection_and_few_commits(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """64 citizens signing at once: every signature counts, all of them written through one
    connection (nobody waited for SQLite's lock), and fewer commits than events (their
    writes were committed in groups)."""
    petition_id = await make_open_petition(database, clock.now())
    assert database.writer is not None
    await database.writer.dispose()  # reconnects with the counting listener below
    seen = _counting(database)
    # Sign without a phone: the core's own verification rule is not what is tested here.
    core.config = replace(core.config, verified_actions=frozenset())

    results = await asyncio.gather(*(core.process(_press(petition_id, u)) for u in range(64)))

    texts = {result.replies[0].text.split("\n")[0] for result in results}
    assert texts == {f"✅ Your signature under petition No. {petition_id} is counted."}, texts
    assert await signature_count(database, petition_id) == (64, 64)
    assert seen["connections"] == 1
    assert 1 <= seen["commits"] < 64


async def test_a_failing_event_leaves_the_others_in_its_group_alone(
    database: Database,
) -> None:
    """Events sharing one commit: the one that fails is undone, the others are kept."""

    async def write(number: int, fail: bool) -> None:
        async with database.transaction() as session:
            session.add(Citizen(created_at=NOW))
            await session.flush()
            await asyncio.sleep(0)  # let the others queue for the turn
            if fail:
                raise RuntimeError(f"event {number} fails after writing")

    outcomes = await asyncio.gather(
        *(write(number, fail=number % 3 == 0) for number in range(12)), return_exceptions=True
    )

    failures = [outcome for outcome in outcomes if isinstance(outcome, RuntimeError)]
    assert len(failures) == 4
    async with database.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Citizen)) == 8


async def test_the_block_ends_only_once_its_writes_are_on_disk(database: Database) -> None:
    """When a write transaction's block has ended, another connection sees the write: an
    answer sent after it promises only what is committed."""
    path = make_url(database.url).database
    assert path is not None
    for _ in range(5):
        async with database.transaction() as session:
            session.add(Citizen(created_at=NOW))
        other = sqlite3.connect(path)
        try:
            (count,) = other.execute("SELECT count(*) FROM citizen").fetchone()
        finally:
            other.close()
        assert count >= 1


async def test_another_process_holding_the_lock_is_waited_for(database: Database) -> None:
    """While another connection (another process) holds SQLite's write lock, a write
    transaction waits for it without stopping the event loop, then goes ahead."""
    path = make_url(database.url).database
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        writing = asyncio.create_task(_add_citizen(database))
        for _ in range(10):
            await asyncio.sleep(0.02)  # the loop runs meanwhile
        assert not writing.done()
    finally:
        other.execute("COMMIT")
        other.close()
    await asyncio.wait_for(writing, 10)
    async with database.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Citizen)) == 1


async def _add_citizen(database: Database) -> None:
    async with database.transaction() as session:
        session.add(Citizen(created_at=NOW))


async def test_a_write_transaction_inside_another_is_refused_not_deadlocked(
    database: Database,
) -> None:
    """The turn is not re-entrant: a nested write transaction of the same task is an error
    at once, instead of waiting for itself for ever."""
    async with database.transaction() as session:
        await session.execute(select(Signature.id))
        with pytest.raises(RuntimeError, match="already open"):
            async with database.transaction():
                pass
    async with database.transaction() as session:
        assert await session.scalar(select(Signature.id)) is None


@pytest.mark.parametrize("where", ["between statements", "inside a statement"])
async def test_a_cancelled_write_transaction_is_undone_and_the_next_one_works(
    database: Database, where: str
) -> None:
    """A write transaction cancelled between two statements, or while aiosqlite runs one
    (SQLAlchemy then closes the connection), ends with CancelledError, keeps nothing, and
    the next transaction works (on a new connection if need be)."""
    started = asyncio.Event()

    async def cancelled_later() -> None:
        async with database.transaction() as session:
            session.add(Citizen(created_at=NOW))
            await session.flush()
            started.set()
            if where == "between statements":
                await asyncio.sleep(10)
            else:  # a statement that runs for seconds on aiosqlite's thread
                await session.execute(
                    text(
                        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                        "WHERE i < 3000000) SELECT count(*) FROM n"
                    )
                )

    task = asyncio.create_task(cancelled_later())
    await started.wait()
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    await asyncio.wait_for(_add_citizen(database), 30)
    async with database.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Citizen)) == 1
