"""POST /webhooks/viber refuses what is not Viber's, stores nothing for it, and keeps serving."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import build_core
from bot.channels.viber.channel import ViberChannel
from bot.channels.viber.webhook import MAX_BODY_BYTES
from bot.settings import Settings
from bot.web.server import create_app
from civic.clock import FixedClock
from storage.db import Database
from storage.models import ChannelAccount, ProcessedEvent
from tests.channels.viber import builders
from tests.channels.viber.conftest import TOKEN, ViberHarness, viber_settings
from tests.conftest import TEST_SECRET
from tests.fakes.viber_api import SIGNATURE_HEADER, FakeViberApi, sign


async def stored(database: Database) -> tuple[int, int]:
    """(processed events, channel accounts): what any handled callback leaves behind."""
    async with database.transaction() as session:
        events = (
            await session.execute(select(func.count()).select_from(ProcessedEvent))
        ).scalar_one()
        accounts = (
            await session.execute(select(func.count()).select_from(ChannelAccount))
        ).scalar_one()
        return int(events), int(accounts)


async def _still_serving(viber: ViberHarness) -> None:
    async with viber.http.get("/healthz") as response:
        assert response.status == 200
    answer = await viber.post(builders.conversation_started("after-the-storm"))
    assert answer.status == 200
    assert "Main menu" in answer.json()["text"]


async def test_missing_or_wrong_signature_is_403_and_leaves_no_trace(
    viber: ViberHarness, database: Database
) -> None:
    """No, a wrong-key, another body's or a garbled signature: 403, no event id, no account."""
    callback = builders.conversation_started("intruder")
    body = json.dumps(callback).encode()
    attempts = [
        None,
        "",
        sign(body, "not-the-token"),
        sign(body + b" ", TOKEN),
        sign(body, TOKEN)[:-1],
        "zz" * 32,
        "ї" * 64,
    ]
    for signature in attempts:
        answer = await viber.post(body, signature=signature)
        assert answer.status == 403, signature
        assert answer.body == b""
    assert await stored(database) == (0, 0)
    # Nothing was recorded, not even the event id: the genuine callback is handled.
    genuine = await viber.post(callback)
    assert genuine.status == 200
    assert "Main menu" in genuine.json()["text"]


async def test_signature_is_checked_before_parsing(viber: ViberHarness, database: Database) -> None:
    """An unsigned malformed body is 403, not 400: nothing is parsed before the signature."""
    assert (await viber.post(b"{not json", signature=None)).status == 403
    assert (await viber.post(b"{not json", signature="00" * 32)).status == 403


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'"message"',
        b"{}",
        b'{"event": 5}',
        b"[" * 5000 + b"]" * 5000,
        json.dumps({"event": "message", "message_token": 1, "message": {"type": "text"}}).encode(),
        json.dumps(builders.conversation_started("x") | {"user": {"id": ""}}).encode(),
        json.dumps(builders.conversation_started("x" * 129)).encode(),
        json.dumps(builders.unsubscribed("u") | {"user_id": None}).encode(),
        json.dumps(builders.text_message("u", "hi", token=10**130)).encode(),
        json.dumps(builders.text_message("u", "hi") | {"message_token": "7" * 200}).encode(),
        json.dumps(builders.text_message("u", "hi") | {"message_token": 1.5}).encode(),
    ],
    ids=[
        "not-json",
        "not-utf8",
        "array",
        "string",
        "no-event",
        "event-not-text",
        "deep-nesting",
        "message-without-sender",
        "empty-user-id",
        "over-long-user-id",
        "null-user-id",
        "huge-token",
        "long-text-token",
        "fractional-token",
    ],
)
async def test_malformed_signed_body_is_400_and_stores_nothing(
    viber: ViberHarness, database: Database, body: bytes
) -> None:
    """A correctly signed body that is not a readable callback is 400 and leaves no trace."""
    assert (await viber.post(body)).status == 400
    assert await stored(database) == (0, 0)


async def test_unknown_event_is_200_ignored_and_stores_nothing(
    viber: ViberHarness, database: Database
) -> None:
    """An event type we do not handle is acknowledged (Viber would retry it for an hour)."""
    callback = {
        "event": "client_status",
        "timestamp": 1_798_364_800_000,
        "message_token": builders.next_token(),
        "user_id": "someone",
    }
    answer = await viber.post(callback)
    assert (answer.status, answer.body) == (200, b"")
    assert await stored(database) == (0, 0)
    assert viber.fake.calls_to("send_message") == []
    await _still_serving(viber)


async def test_huge_body_is_413_and_the_server_keeps_serving(
    viber: ViberHarness, database: Database
) -> None:
    """A body over 64 KiB is refused, announced or streamed, signed or not."""
    callback = builders.text_message("big", "x" * (MAX_BODY_BYTES + 1))
    assert (await viber.post(callback)).status == 413

    async def stream() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b" " * 4096

    async with viber.http.post(
        "/webhooks/viber", data=stream(), headers={SIGNATURE_HEADER: "00" * 32}
    ) as response:
        assert response.status == 413
    assert await stored(database) == (0, 0)
    await _still_serving(viber)


async def test_webhook_check_and_reports_are_200(viber: ViberHarness, database: Database) -> None:
    """Viber's URL check, delivered and seen are acknowledged and leave nothing behind."""
    check = {"event": "webhook", "timestamp": 1, "chat_hostname": "SN-1_", "message_token": 1}
    for callback in (check, builders.delivered("u"), builders.seen("u")):
        answer = await viber.post(callback)
        assert (answer.status, answer.body) == (200, b"")
    assert await stored(database) == (0, 0)


async def test_only_post_is_accepted(viber: ViberHarness) -> None:
    """GET on the webhook path is 405."""
    async with viber.http.get("/webhooks/viber") as response:
        assert response.status == 405


async def test_database_down_is_503_so_viber_retries(
    database: Database,
    database_url: str,
    clock: FixedClock,
    fake_viber: FakeViberApi,
    tmp_path: Path,
) -> None:
    """When the database cannot be reached the callback is 503 and nothing is committed."""
    broken = Database("postgresql+asyncpg://nobody@127.0.0.1:1/nothing")  # refuses connections
    settings = viber_settings(database_url, fake_viber.api_url, None)
    core = build_core(Settings(database_url=database_url), broken, TEST_SECRET, clock)
    channel = ViberChannel(settings, core)
    app = create_app(database, clock)
    channel.add_routes(app)
    client: TestClient[web.Request, web.Application] = TestClient(TestServer(app))
    await client.start_server()
    try:
        for callback in (
            builders.conversation_started("u"),
            builders.text_message("u", "vz:menu"),
            builders.subscribed("u"),
        ):
            body = json.dumps(callback).encode()
            async with client.post(
                "/webhooks/viber", data=body, headers={SIGNATURE_HEADER: sign(body, TOKEN)}
            ) as response:
                assert response.status == 503
    finally:
        await channel.stop()
        await client.close()
        await broken.dispose()
    assert await stored(database) == (0, 0)
    assert fake_viber.calls == []
