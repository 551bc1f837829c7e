"""The Telegram channel on the real HTTP app, talking to our fake Bot API server.

``telegram`` serves ``create_app`` plus the channel's webhook route on a loopback port,
with the channel started against ``FakeTelegramAPI`` (webhook mode). Tests post updates
to ``/webhooks/telegram`` and read what the fake was asked to do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.webhook import PATH, SECRET_HEADER
from bot.settings import Settings
from bot.web.server import create_app
from civic.clock import FixedClock
from handlers.core import ConversationCore
from storage.db import Database
from tests.channels.telegram.updates import TelegramUser, Update, UpdateBuilder
from tests.conftest import TEST_SECRET
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI

PUBLIC_URL = "http://127.0.0.1:8443/"
COUNTED_TABLES = ("processed_event", "channel_account", "citizen")

Client = TestClient[web.Request, web.Application]


def telegram_settings(database_url: str, api_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "telegram_token": DEFAULT_TOKEN,
        "telegram_api_url": api_url,
        "public_url": PUBLIC_URL,
        "default_locale": "uk",
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class TelegramHarness:
    client: Client
    api: FakeTelegramAPI
    channel: TelegramChannel
    settings: Settings
    database: Database
    updates: UpdateBuilder = field(default_factory=UpdateBuilder)

    async def post(self, update: Update, *, secret: str | None = None) -> int:
        """POST an update to the webhook with the right secret (or ``secret``), then make
        the call its answer carries, as Telegram does."""
        headers = {SECRET_HEADER: self.settings.telegram_secret() if secret is None else secret}
        response = await self.client.post(PATH, json=update, headers=headers)
        # Telegram makes the Bot API call that a webhook's 200 answer carries.
        await self.api.webhook_answer(response.content_type, await response.read())
        return response.status

    async def say(self, user: TelegramUser, words: str) -> None:
        assert await self.post(self.updates.message(user, words)) == 200

    async def press(self, user: TelegramUser, data: str) -> None:
        """Press the button with ``data`` on the latest message that has it."""
        for message in reversed(self.api.chat_messages(user.id)):
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if any(button["callback_data"] == data for row in rows for button in row):
                assert await self.post(self.updates.callback(user, message, data)) == 200
                return
        raise AssertionError(f"no message in chat {user.id} has a button {data!r}")

    async def petition(self, petition_id: int) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/petitions/{petition_id}")
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body

    async def row_counts(self) -> dict[str, int]:
        """Rows in the tables an event leaves traces in."""
        counts: dict[str, int] = {}
        async with self.database.transaction() as session:
            for table in COUNTED_TABLES:
                query = text(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
                counts[table] = int((await session.execute(query)).scalar_one())
        return counts


def button_data(message: dict[str, Any]) -> list[str]:
    """The callback data of a message's inline buttons, row by row."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row]


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeTelegramAPI]:
    """Our Bot API double on a loopback port."""
    async with FakeTelegramAPI() as api:
        yield api


@pytest.fixture
async def telegram(
    database: Database,
    database_url: str,
    clock: FixedClock,
    core: ConversationCore,
    fake_api: FakeTelegramAPI,
) -> AsyncIterator[TelegramHarness]:
    """The app with the Telegram webhook, the channel started in webhook mode."""
    settings = telegram_settings(database_url, fake_api.url)
    app = create_app(database, clock)
    channel = TelegramChannel(settings, core)
    channel.add_routes(app)
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    await channel.start()
    try:
        yield TelegramHarness(client, fake_api, channel, settings, database)
    finally:
        await channel.stop()
        await client.close()
