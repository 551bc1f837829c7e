"""Many events at once: one person keeps one voice, and counts always equal rows.

The PostgreSQL cases use a pool of 50 connections so that events really overlap in the
database; the SQLite case checks that its serialised writers give the same answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy import func, select

from bot.app import build_core
from bot.settings import Settings
from civic.clock import FixedClock
from civic.petitions import Petitions
from handlers.core import ConversationCore
from handlers.events import ButtonPress, ContactShared, IncomingEvent, Sender, Text
from handlers.replies import Reply
from storage.db import Database
from storage.models import ChannelAccount, Citizen, PetitionStatus
from tests.e2e_support import PHONE, clean, petition_status, row_counts
from tests.helpers import make_open_petition, signature_count

SECRET = "test-secret-key-not-for-production"
POOL_SIZE = 50
IN_FLIGHT = POOL_SIZE
SIGNED = "Your signature under petition No."


def make_core(database: Database, clock: FixedClock) -> ConversationCore:
    settings = Settings(database_url=database.url, secret_key=SECRET, default_locale="uk")
    return build_core(settings, database, SECRET, clock)


@pytest.fixture
async def pg_database(postgres_url: str) -> AsyncIterator[Database]:
    """The session's PostgreSQL database, emptied, behind a pool of 50 connections."""
    database = Database(postgres_url, pool_size=POOL_SIZE)
    await clean(database)
    yield database
    await database.dispose()


@pytest.fixture
async def sqlite_database(sqlite_url: str) -> AsyncIterator[Database]:
    """The session's SQLite database, emptied."""
    database = Database(sqlite_url)
    await clean(database)
    yield database
    await database.dispose()


def phone_of(index: int) -> str:
    return f"+3805012{index:05d}"


async def handle_all(
    core: ConversationCore, events: list[IncomingEvent], in_flight: int = IN_FLIGHT
) -> list[list[Reply]]:
    """Hand every event to the core at once, as parallel webhook requests would.

    At most ``in_flight`` are inside the database together (the pool's size): the server's
    connection limit is shared with other test runs, and a pool's overflow could exceed it.
    Every event runs to its end before a failure is raised, so none outlives the test.
    """
    gate = asyncio.Semaphore(in_flight)

    async def one(event: IncomingEvent) -> list[Reply]:
        async with gate:
            return await core.handle(event)

    results = await asyncio.gather(*(one(event) for event in events), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [result for result in results if not isinstance(result, BaseException)]


async def sign_many_times(database: Database, clock: FixedClock, attempts: int) -> None:
    """One verified citizen taps "Sign" ``attempts`` times at once."""
    core = make_core(database, clock)
    petition_id = await make_open_petition(database, clock.now(), threshold=1_000)
    sender = Sender("telegram", "4242", "en")
    verified = await core.handle(IncomingEvent(sender, ContactShared(PHONE, is_own=True)))
    assert "confirmed" in verified[0].text
    taps = [
        IncomingEvent(sender, ButtonPress(f"ps:{petition_id}"), event_id=f"tap-{index}")
        for index in range(attempts)
    ]
    results = await handle_all(core, taps)
    texts = [replies[-1].text for replies in results]
    assert sum(SIGNED in text for text in texts) == 1
    assert sum("You already signed this petition" in text for text in texts) == attempts - 1
    assert await signature_count(database, petition_id) == (1, 1)


async def test_same_citizen_signing_200_times_at_once(
    pg_database: Database, clock: FixedClock
) -> None:
    """200 simultaneous "Sign" taps of one citizen leave one signature and a count of 1."""
    await sign_many_times(pg_database, clock, 200)


async def test_same_citizen_signing_50_times_at_once_on_sqlite(
    sqlite_database: Database, clock: FixedClock
) -> None:
    """On SQLite too, 50 simultaneous taps of one citizen leave one signature."""
    await sign_many_times(sqlite_database, clock, 50)


async def test_200_new_users_then_200_signatures(pg_database: Database, clock: FixedClock) -> None:
    """200 new users write at once, then sign at once: the count equals the rows, 200."""
    core = make_core(pg_database, clock)
    petition_id = await make_open_petition(pg_database, clock.now(), threshold=1_000)
    before = await row_counts(pg_database)
    users = [Sender("telegram", str(10_000 + index), "en") for index in range(200)]

    first = await handle_all(core, [IncomingEvent(user, Text("/start")) for user in users])
    assert all("Welcome" in replies[0].text for replies in first)
    after_start = await row_counts(pg_database)
    assert after_start["channel_account"] == before["channel_account"] + 200
    assert after_start["citizen"] == before["citizen"] + 200

    shares = [
        IncomingEvent(user, ContactShared(phone_of(index), is_own=True))
        for index, user in enumerate(users)
    ]
    verified = await handle_all(core, shares)
    assert all("confirmed" in replies[0].text for replies in verified)

    taps = [IncomingEvent(user, ButtonPress(f"ps:{petition_id}")) for user in users]
    signed = await handle_all(core, taps)
    assert all(SIGNED in replies[-1].text for replies in signed)
    assert await signature_count(pg_database, petition_id) == (200, 200)
    assert await row_counts(pg_database) == after_start | {"signature": 200}


async def test_20_first_events_of_one_new_user(pg_database: Database, clock: FixedClock) -> None:
    """20 simultaneous first events of one new user create one account and one citizen."""
    core = make_core(pg_database, clock)
    sender = Sender("viber", "brand-new-user", "en")
    events = [
        IncomingEvent(sender, Text("/start"), event_id=f"first-{index}") for index in range(20)
    ]
    results = await handle_all(core, events)
    assert all("Welcome" in replies[0].text for replies in results)
    async with pg_database.transaction() as session:
        accounts = await session.execute(
            select(func.count())
            .select_from(ChannelAccount)
            .where(ChannelAccount.channel == "viber", ChannelAccount.external_id == sender.user_id)
        )
        assert accounts.scalar_one() == 1
        citizens = await session.execute(select(func.count()).select_from(Citizen))
        assert citizens.scalar_one() == 1


async def test_signatures_racing_past_the_threshold(
    pg_database: Database, clock: FixedClock
) -> None:
    """Signatures that cross the threshold at once: counts equal rows, one "reached" at most.

    Transactions that commit together may each see the count just below the threshold, so
    the move to "awaiting an answer" may be left to the scheduled sweep; it must happen by
    then.
    """
    core = make_core(pg_database, clock)
    petition_id = await make_open_petition(pg_database, clock.now(), threshold=100)
    users = [Sender("viber", f"racer-{index}", "en") for index in range(150)]
    shares = [
        IncomingEvent(user, ContactShared(phone_of(index), is_own=True))
        for index, user in enumerate(users)
    ]
    await handle_all(core, shares)
    taps = [IncomingEvent(user, ButtonPress(f"ps:{petition_id}")) for user in users]
    texts = [replies[-1].text for replies in await handle_all(core, taps)]

    counted, rows = await signature_count(pg_database, petition_id)
    assert counted == rows
    assert rows == sum(SIGNED in text for text in texts)
    assert rows >= 100
    assert sum("reached its threshold" in text for text in texts) <= 1
    await sweep(pg_database, clock.now())
    assert await petition_status(pg_database, petition_id) is PetitionStatus.AWAITING_ANSWER


async def sweep(database: Database, now: datetime) -> None:
    async with database.transaction() as session:
        await Petitions(session).sweep(now)
