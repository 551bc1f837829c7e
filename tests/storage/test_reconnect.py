"""A database connection dropped by the server costs no event (PostgreSQL)."""

from __future__ import annotations

import asyncpg
from sqlalchemy import text

from bot.app import build_core
from bot.settings import Settings
from civic.clock import FixedClock
from storage.db import Database
from tests.conftest import PG_ADMIN_DSN, TEST_SECRET
from tests.helpers import make_open_petition, signature_count
from tests.personas import Persona


async def test_event_survives_server_side_disconnect(postgres_url: str, clock: FixedClock) -> None:
    """After the server kills every pooled connection, the next sign event still signs once."""
    database = Database(postgres_url, pool_size=2)
    try:
        async with database.transaction() as session:
            for table in ("signature", "petition_tally", "petition", "authority"):
                await session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
        settings = Settings(database_url=postgres_url, secret_key=TEST_SECRET)
        core = build_core(settings, database, TEST_SECRET, clock)
        petition_id = await make_open_petition(database, clock.now())
        citizen = Persona(core, "telegram", "reconnect-1", "en")
        await citizen.share_phone("+380501230001")
        database_name = postgres_url.rsplit("/", 1)[1]
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                database_name,
            )
        finally:
            await admin.close()
        assert killed >= 1, "no pooled connection was there to kill"
        replies = await citizen.press(f"ps:{petition_id}")
        assert "is counted" in replies[-1].text
        assert await signature_count(database, petition_id) == (1, 1)
    finally:
        await database.dispose()
