"""SQLite's writers take turns inside the process (storage.db), not in its busy handler."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event, select

from civic.clock import FixedClock
from handlers.core import ConversationCore
from handlers.events import ButtonPress, IncomingEvent, Sender
from storage.db import Database
from storage.models import Signature
from tests.helpers import make_open_petition, signature_count

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


async def test_many_writers_at_once_never_meet_each_others_lock(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """64 citizens signing at once all count, with SQLite's busy timeout set to zero: no
    writer of this process ever found the database locked by another one, so none would
    have slept in the busy handler."""
    petition_id = await make_open_petition(database, clock.now())
    await database.engine.dispose()  # new connections get the zero timeout below

    @event.listens_for(database.engine.sync_engine, "connect")
    def _no_waiting(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    def press(user: int) -> IncomingEvent:
        return IncomingEvent(
            Sender("telegram", f"w{user}", "en"), ButtonPress(f"ps:{petition_id}"), f"u{user}"
        )

    # Sign without a phone: the core's own verification rule is not what is tested here.
    core.config = replace(core.config, verified_actions=frozenset())
    results = await asyncio.gather(*(core.process(press(user)) for user in range(64)))

    texts = {result.replies[0].text.split("\n")[0] for result in results}
    assert texts == {f"✅ Your signature under petition No. {petition_id} is counted."}, texts
    assert await signature_count(database, petition_id) == (64, 64)


async def test_a_write_transaction_inside_another_is_refused_not_deadlocked(
    database: Database,
) -> None:
    """The in-process writer lock is not re-entrant: a nested write transaction of the same
    task is an error at once, instead of waiting for itself for ever."""
    async with database.transaction() as session:
        await session.execute(select(Signature.id))
        with pytest.raises(RuntimeError, match="already open"):
            async with database.transaction():
                pass
    async with database.transaction() as session:
        assert await session.scalar(select(Signature.id)) is None
