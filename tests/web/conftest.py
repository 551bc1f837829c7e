"""The whole aiohttp application (health, open-data API) on the shared test database.

``database`` and ``clock`` come from ``tests/conftest.py``: every test that takes
``client`` runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.web.server import create_app
from civic.clock import FixedClock
from storage.db import Database


@pytest.fixture
async def client(
    database: Database, clock: FixedClock
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """An HTTP client of the app, served on a loopback port for the test's duration."""
    test_client: TestClient[web.Request, web.Application] = TestClient(
        TestServer(create_app(database, clock))
    )
    await test_client.start_server()
    try:
        yield test_client
    finally:
        await test_client.close()
