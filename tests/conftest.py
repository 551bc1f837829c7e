"""Shared fixtures: a migrated database on each backend, a clock, and chat personas.

Every test that takes ``database`` runs twice: on SQLite and on the PostgreSQL at
127.0.0.1:5432. Under ``CI=true`` an unreachable PostgreSQL fails the run instead of
skipping. Each backend is migrated once per session; tables are emptied between tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from bot.app import build_core
from bot.settings import Settings
from civic.clock import FixedClock
from handlers.core import ConversationCore
from storage.db import Database
from storage.migrate import upgrade_async
from tests.emptying import empty_every_table
from tests.personas import Persona

PG_ADMIN_DSN = os.environ.get("VZ_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
TEST_SECRET = "test-secret-key-not-for-production"
BACKENDS = ("sqlite", "postgresql")


def _pg_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


async def _pg_admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {PG_ADMIN_DSN} is unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped afterwards."""
    name = f"vz_test_{uuid.uuid4().hex[:12]}"
    admin = await _pg_admin()
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = _pg_url(name)
    await upgrade_async(url)
    yield url
    admin = await _pg_admin()
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    return url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str:
    fixture = "postgres_url" if backend == "postgresql" else "sqlite_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated database on one backend, emptied before the test."""
    db = Database(database_url, pool_size=20)
    async with db.transaction() as session:
        await empty_every_table(session)
    yield db
    await db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET, default_locale="uk")


@pytest.fixture
def core(settings: Settings, database: Database, clock: FixedClock) -> ConversationCore:
    return build_core(settings, database, TEST_SECRET, clock)


@pytest.fixture
def alice(core: ConversationCore) -> Persona:
    """An English-speaking citizen on the console channel."""
    return Persona(core, channel="console", user_id="alice", language_code="en")


@pytest.fixture
def bohdan(core: ConversationCore) -> Persona:
    """A Ukrainian-speaking citizen on the console channel."""
    return Persona(core, channel="console", user_id="bohdan", language_code="uk")


@pytest.fixture(autouse=True)
def _no_env_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own VZ_* variables or .env must not change what a test sees.
    for key in list(os.environ):
        if key.startswith("VZ_"):
            monkeypatch.delenv(key)
