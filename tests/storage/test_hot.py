"""Hot statements on the driver (asyncpg, or sqlite3 on the loop's thread) behave exactly
like the same statements through SQLAlchemy."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from civic.clock import FixedClock
from storage import hot
from storage import repositories as repo
from storage.db import Database
from storage.models import ChannelAccount, Signature
from tests.helpers import make_open_petition

PETITION_COLUMNS = repo._PETITION


async def test_an_event_transaction_is_the_drivers_own_on_postgresql(
    database: Database,
) -> None:
    """On PostgreSQL the event's session comes with its driver connection already in a
    transaction; on SQLite the sqlite3 connection is reached once the write transaction
    has begun, and it holds the write lock."""
    async with database.transaction() as session:
        driver = await hot.driver_connection(session)
        raw = await hot.sqlite_connection(session)
        if database.dialect == "postgresql":
            assert driver is not None
            assert driver.is_in_transaction()
            assert raw is None
        else:
            assert driver is None
            assert raw is not None
            assert raw.in_transaction


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_sqlite_driver_writes_are_the_transactions(
    database: Database, clock: FixedClock
) -> None:
    """On SQLite an event's writes on the driver are invisible to a reader until commit
    (they are in the same transaction as the ORM's), and visible after."""
    petition_id = await make_open_petition(database, clock.now())
    async with database.transaction() as session:
        citizen = (await repo.lock_account(session, "console", "r", "uk", clock.now())).citizen_id
        assert await repo.sign_and_count(session, petition_id, citizen, "console", clock.now()) == 1
        async with database.reading() as reader:
            assert await reader.scalar(select(Signature.id)) is None
    async with database.reading() as reader:
        assert await reader.scalar(select(Signature.citizen_id)) == citizen


async def test_a_plain_session_has_a_driver_connection_once_sqlalchemy_began(
    database: Database,
) -> None:
    """Outside the event envelope the driver path waits for SQLAlchemy's own BEGIN."""
    async with database.sessions() as session, session.begin():
        assert await hot.driver_connection(session) is None
        await session.execute(text("SELECT 1"))
        driver = await hot.driver_connection(session)
        assert (driver is not None) is (database.dialect == "postgresql")


async def test_a_row_read_by_the_driver_equals_the_row_read_by_sqlalchemy(
    database: Database, clock: FixedClock
) -> None:
    """Same columns, same Python types (enums, aware UTC datetimes) on both paths."""
    petition_id = await make_open_petition(database, clock.now())
    params = {"petition_id": petition_id}
    async with database.transaction() as session:
        by_sqlalchemy = (await session.execute(PETITION_COLUMNS, params)).mappings().one()
        by_driver = await hot.fetch_one(session, PETITION_COLUMNS, params)
    assert by_driver == dict(by_sqlalchemy)
    assert by_driver is not None
    assert by_driver["p_published_at"] == clock.now()
    assert type(by_driver["p_status"]) is type(by_sqlalchemy["p_status"])


async def test_driver_writes_belong_to_the_transaction_and_roll_back_with_it(
    database: Database, clock: FixedClock
) -> None:
    """A signature written on the driver connection disappears when the event fails."""
    petition_id = await make_open_petition(database, clock.now())
    async with database.transaction() as session:
        opened = await repo.open_event(session, "telegram", "900", "e-1", clock.now())
        account = opened.account or await repo.lock_account(
            session, "telegram", "900", "uk", clock.now()
        )
        citizen_id = account.citizen_id
    with pytest.raises(RuntimeError):
        await _sign_then_fail(database, clock, petition_id, citizen_id)
    async with database.transaction() as session:
        assert await session.scalar(select(Signature.id)) is None
        assert (await repo.open_event(session, "telegram", "900", "e-2", clock.now())).fresh


async def _sign_then_fail(
    database: Database, clock: FixedClock, petition_id: int, citizen_id: int
) -> None:
    async with database.transaction() as session:
        await repo.open_event(session, "telegram", "900", "e-2", clock.now())
        signed = await repo.sign_and_count(
            session, petition_id, citizen_id, "telegram", clock.now()
        )
        assert signed == 1
        raise RuntimeError("the handler failed after signing")


async def test_the_dialog_saved_by_the_driver_reads_back_through_sqlalchemy(
    database: Database, clock: FixedClock
) -> None:
    """JSON and timestamps written on the driver path are what the ORM reads later."""
    async with database.transaction() as session:
        account = await repo.lock_account(session, "viber", "u-7", "en", clock.now())
        account_id = account.id
    state = {"flow": "petition_create", "choices": [["✍ Підписати", "ps:1"]]}
    async with database.transaction() as session:
        opened = await repo.open_event(session, "viber", "u-7", "token-1", clock.now())
        assert opened.account is not None
        await repo.save_dialog(session, opened.account, state, clock.now())
    async with database.transaction() as session:
        stored = await session.get(ChannelAccount, account_id)
        assert stored is not None
        assert stored.dialog_state == state
        assert stored.last_seen_at == clock.now()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_connection_lost_mid_event_is_reported_as_sqlalchemy_reports_it(
    database: Database, clock: FixedClock, postgres_url: str
) -> None:
    """The server ending the session between two statements gives a DBAPIError marked
    connection_invalidated (what the core retries on), and the next event gets a working
    connection."""
    petition_id = await make_open_petition(database, clock.now())
    with pytest.raises(DBAPIError) as raised:
        await _read_after_the_server_ends_the_session(database, postgres_url, petition_id)
    assert raised.value.connection_invalidated
    async with database.transaction() as session:
        petition = await repo.petition_by_id(session, petition_id)
        assert petition is not None
        assert petition.id == petition_id


async def _read_after_the_server_ends_the_session(
    database: Database, postgres_url: str, petition_id: int
) -> None:
    async with database.transaction() as session:
        pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        admin = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        await repo.petition_by_id(session, petition_id)
