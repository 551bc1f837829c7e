"""The Viber channel live: our aiohttp app with the channel on a loopback port, and the fake
Viber API it talks to.

``viber`` is a harness that posts signed callbacks the way Viber does and keeps, per user,
what that user's chat shows: welcome messages (answers to ``conversation_started``) and
the messages the fake accepted from ``send_message``, in order. Every test taking it runs
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.viber.channel import ViberChannel
from bot.channels.viber.client import RetryPolicy
from bot.settings import Settings
from bot.web.server import create_app
from civic.clock import FixedClock
from handlers.core import ConversationCore
from storage.db import Database
from tests.channels.viber import builders
from tests.cli_support import free_port
from tests.conftest import TEST_SECRET
from tests.fakes.viber_api import SIGNATURE_HEADER, FakeViberApi, button_labeled, sign

TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f"
FAST_RETRY = RetryPolicy(attempts=3, first_delay=0.01, max_delay=0.05)
# Sign the body with the token, as Viber does (the default of ``ViberHarness.post``).
SIGNED = "signed"

Json = dict[str, Any]


def viber_settings(
    database_url: str, api_url: str, public_url: str | None, *, token: str = TOKEN
) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        viber_token=token,
        viber_api_url=api_url,
        public_url=public_url,
    )


@dataclass(frozen=True)
class Answer:
    """Our webhook's answer to one callback."""

    status: int
    body: bytes

    def json(self) -> Json:
        data = json.loads(self.body)
        assert isinstance(data, dict)
        return data


def _user_of(callback: Mapping[str, Any]) -> str | None:
    for key in ("sender", "user"):
        if isinstance(callback.get(key), dict):
            return str(callback[key]["id"])
    user_id = callback.get("user_id")
    return str(user_id) if user_id is not None else None


@dataclass
class ViberHarness:
    http: TestClient[web.Request, web.Application]
    fake: FakeViberApi
    channel: ViberChannel
    _screens: dict[str, list[Json]] = field(default_factory=dict)
    _synced: dict[str, int] = field(default_factory=dict)

    async def post(
        self,
        callback: Mapping[str, Any] | bytes,
        *,
        signature: str | None = SIGNED,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """POST a callback to /webhooks/viber, signed with the token unless told otherwise."""
        body = callback if isinstance(callback, bytes) else json.dumps(callback).encode()
        sent_headers = {"Content-Type": "application/json", **(headers or {})}
        if signature == SIGNED:
            sent_headers[SIGNATURE_HEADER] = sign(body, TOKEN)
        elif signature is not None:
            sent_headers[SIGNATURE_HEADER] = signature
        async with self.http.post("/webhooks/viber", data=body, headers=sent_headers) as response:
            answer = Answer(response.status, await response.read())
        if not isinstance(callback, bytes):
            user_id = _user_of(callback)
            if user_id is not None:
                self._sync(user_id)
                if callback.get("event") == "conversation_started" and answer.body:
                    self._screens[user_id].append(answer.json())
        return answer

    def _sync(self, user_id: str) -> None:
        delivered = self.fake.messages_to(user_id)
        seen = self._synced.get(user_id, 0)
        self._screens.setdefault(user_id, []).extend(delivered[seen:])
        self._synced[user_id] = len(delivered)

    def screen(self, user_id: str) -> list[Json]:
        """Every message the user's chat shows from us, oldest first."""
        self._sync(user_id)
        return list(self._screens.get(user_id, []))

    def last(self, user_id: str) -> Json:
        shown = self.screen(user_id)
        assert shown, f"nothing was shown to {user_id}"
        return shown[-1]

    async def say(self, user_id: str, text: str, **fields: Any) -> Answer:
        return await self.post(builders.text_message(user_id, text, **fields))

    async def press(self, user_id: str, label_part: str) -> Answer:
        """Tap the button of the user's current keyboard whose label contains ``label_part``."""
        button = button_labeled(self.screen(user_id), label_part)
        assert button["ActionType"] == "reply", button
        return await self.say(user_id, button["ActionBody"])


@pytest.fixture
async def fake_viber() -> AsyncIterator[FakeViberApi]:
    async with FakeViberApi(TOKEN) as fake:
        yield fake


@pytest.fixture
async def viber(
    database: Database,
    database_url: str,
    clock: FixedClock,
    core: ConversationCore,
    fake_viber: FakeViberApi,
) -> AsyncIterator[ViberHarness]:
    """Our app with the Viber channel, started (webhook set) against the fake."""
    port = free_port()
    settings = viber_settings(database_url, fake_viber.api_url, f"http://127.0.0.1:{port}")
    channel = ViberChannel(settings, core, retry=FAST_RETRY)
    app = create_app(database, clock)
    channel.add_routes(app)
    http: TestClient[web.Request, web.Application] = TestClient(
        TestServer(app, host="127.0.0.1", port=port)
    )
    await http.start_server()
    try:
        await channel.start()
        yield ViberHarness(http, fake_viber, channel)
    finally:
        await channel.stop()
        await http.close()
