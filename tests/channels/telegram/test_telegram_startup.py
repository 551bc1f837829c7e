"""Starting the channel: token check, localized commands, webhook or polling, clear failures."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_core
from bot.channels.base import ChannelStartError
from bot.channels.telegram.channel import TelegramChannel
from bot.settings import Settings
from civic.clock import FixedClock
from handlers.core import ConversationCore
from storage.db import Database
from tests.channels.telegram.conftest import PUBLIC_URL, TelegramHarness, telegram_settings
from tests.channels.telegram.updates import TelegramUser, UpdateBuilder
from tests.cli_support import free_port, run_cli_async
from tests.conftest import TEST_SECRET
from tests.fakes.telegram_api import FakeTelegramAPI

OLENA = TelegramUser(111_222_333, "Olena", "en")
PROJECT_ROOT = Path(__file__).resolve().parents[3]
COMMANDS = [
    "start",
    "menu",
    "petitions",
    "newpetition",
    "request",
    "myrequests",
    "authorities",
    "polls",
    "elections",
    "consultations",
    "notifications",
    "profile",
    "language",
    "cancel",
    "help",
]


def _descriptions(commands: list[dict[str, str]]) -> dict[str, str]:
    return {command["command"]: command["description"] for command in commands}


async def test_webhook_is_registered_with_its_url_secret_and_update_types(
    telegram: TelegramHarness,
) -> None:
    """setWebhook gets VZ_PUBLIC_URL + /webhooks/telegram, the secret, our three types, and
    no more connections than the database pool has (40 by default)."""
    (registered,) = telegram.api.calls_of("setWebhook")
    assert registered["url"] == PUBLIC_URL.rstrip("/") + "/webhooks/telegram"
    assert registered["secret_token"] == telegram.settings.telegram_secret()
    assert registered["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
    assert registered["max_connections"] == 40
    assert telegram.api.methods()[0] == "getMe"
    assert "deleteWebhook" not in telegram.api.methods()


async def test_commands_are_published_in_ukrainian_and_english(telegram: TelegramHarness) -> None:
    """setMyCommands for uk, en and the default (the deployment's locale, uk here)."""
    commands = telegram.api.commands
    assert set(commands) == {("default", "uk"), ("default", "en"), ("default", "")}
    for key in commands:
        assert [command["command"] for command in commands[key]] == COMMANDS
    english = _descriptions(commands["default", "en"])
    ukrainian = _descriptions(commands["default", "uk"])
    assert english["help"] == "What I understand"
    assert ukrainian["help"] == "Що я вмію"
    assert ukrainian["petitions"] == "Відкриті електронні петиції"
    assert commands["default", ""] == commands["default", "uk"]


@pytest.fixture
async def polling_channel(
    database_url: str, core: ConversationCore, fake_api: FakeTelegramAPI
) -> AsyncIterator[TelegramChannel]:
    """The channel in polling mode (no public URL), started with a short long-poll."""
    settings = telegram_settings(database_url, fake_api.url, public_url=None)
    fake_api.webhook = {"url": "https://old.example/hook"}  # left over from a webhook run
    channel = TelegramChannel(settings, core, poll_timeout=1)
    await channel.start()
    try:
        yield channel
    finally:
        await channel.stop()


async def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out waiting")


async def test_polling_consumes_updates_and_replies(
    polling_channel: TelegramChannel, fake_api: FakeTelegramAPI
) -> None:
    """Polling deletes the webhook, reads getUpdates, answers, and confirms by offset."""
    assert polling_channel.mode == "polling"
    assert "deleteWebhook" in fake_api.methods()
    update = UpdateBuilder().message(OLENA, "/start")
    fake_api.push_update(update)

    await _until(lambda: bool(fake_api.calls_of("sendMessage")))
    assert "Main menu" in fake_api.last_message(OLENA.id)["text"]
    confirmed = update["update_id"] + 1
    await _until(lambda: any(c.get("offset") == confirmed for c in fake_api.calls_of("getUpdates")))
    assert len(fake_api.calls_of("sendMessage")) == 1


async def test_polling_answers_a_button_press_with_its_own_request(
    polling_channel: TelegramChannel, fake_api: FakeTelegramAPI
) -> None:
    """Without a webhook answer to carry it, polling calls answerCallbackQuery itself."""
    updates = UpdateBuilder()
    fake_api.push_update(updates.message(OLENA, "/start"))
    await _until(lambda: bool(fake_api.calls_of("sendMessage")))
    press = updates.callback(OLENA, fake_api.last_message(OLENA.id), "menu")
    fake_api.push_update(press)

    await _until(lambda: bool(fake_api.calls_of("answerCallbackQuery")))
    (answered,) = fake_api.calls_of("answerCallbackQuery")
    assert answered["callback_query_id"] == press["callback_query"]["id"]


async def test_polling_mode_has_no_webhook_route(
    database: Database, clock: FixedClock, polling_channel: TelegramChannel
) -> None:
    """In polling mode /webhooks/telegram is not served."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot.web.server import create_app

    app = create_app(database, clock)
    polling_channel.add_routes(app)
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    try:
        response = await client.post("/webhooks/telegram", json={"update_id": 1})
        assert response.status == 404
    finally:
        await client.close()


@pytest.fixture
async def offline_core(tmp_path: Path) -> AsyncIterator[Callable[[Settings], ConversationCore]]:
    """A core on a database that is never touched (start-up fails before any update)."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'unused.sqlite3'}")
    yield lambda settings: build_core(settings, database, TEST_SECRET)
    await database.dispose()


async def test_a_rejected_token_is_one_clear_error(
    fake_api: FakeTelegramAPI, offline_core: Callable[[Settings], ConversationCore]
) -> None:
    """getMe answered 401 → ChannelStartError naming VZ_TELEGRAM_TOKEN."""
    settings = telegram_settings("sqlite+aiosqlite://", fake_api.url, telegram_token="1:nope")
    channel = TelegramChannel(settings, offline_core(settings))
    with pytest.raises(ChannelStartError, match=r"^VZ_TELEGRAM_TOKEN is rejected by Telegram"):
        await channel.start()


async def test_an_unreachable_api_names_the_api_url(
    offline_core: Callable[[Settings], ConversationCore],
) -> None:
    """A Bot API server that does not answer → ChannelStartError naming VZ_TELEGRAM_API_URL."""
    closed_port = free_port()
    settings = telegram_settings("sqlite+aiosqlite://", f"http://127.0.0.1:{closed_port}")
    channel = TelegramChannel(settings, offline_core(settings))
    with pytest.raises(ChannelStartError, match=r"^VZ_TELEGRAM_API_URL"):
        await channel.start()


async def test_webhook_mode_needs_a_public_url(
    fake_api: FakeTelegramAPI, offline_core: Callable[[Settings], ConversationCore]
) -> None:
    """VZ_TELEGRAM_MODE=webhook without VZ_PUBLIC_URL → ChannelStartError naming it."""
    settings = telegram_settings(
        "sqlite+aiosqlite://", fake_api.url, public_url=None, telegram_mode="webhook"
    )
    channel = TelegramChannel(settings, offline_core(settings))
    with pytest.raises(ChannelStartError, match=r"^VZ_PUBLIC_URL"):
        await channel.start()
    assert fake_api.calls == []


def test_a_malformed_token_is_refused_before_any_call(
    offline_core: Callable[[Settings], ConversationCore],
) -> None:
    """A token without the "digits:secret" shape → ChannelStartError naming VZ_TELEGRAM_TOKEN."""
    settings = telegram_settings(
        "sqlite+aiosqlite://", "http://127.0.0.1:9", telegram_token="not a token"
    )
    with pytest.raises(ChannelStartError, match=r"^VZ_TELEGRAM_TOKEN is malformed"):
        TelegramChannel(settings, offline_core(settings))


@pytest.mark.slow
async def test_serve_with_a_rejected_token_exits_with_one_line(
    tmp_path: Path, fake_api: FakeTelegramAPI
) -> None:
    """`vzayemodiia serve` with a token the API refuses exits non-zero, one line, no traceback."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VZ_")}
    env.update(
        PYTHONPATH=str(PROJECT_ROOT),
        VZ_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'serve.sqlite3'}",
        VZ_SECRET_KEY="serve-test-secret-key-123",
        VZ_HTTP_PORT=str(port),
        VZ_TELEGRAM_TOKEN="123456:rejected-token",
        VZ_TELEGRAM_API_URL=fake_api.url,
    )
    assert (await run_cli_async("migrate", env=env, cwd=tmp_path))[0] == 0

    code, err = await run_cli_async("serve", env=env, cwd=tmp_path)

    assert code != 0
    assert "Traceback" not in err
    # serve logs at INFO on stderr (alembic's schema check); the error is the one other line.
    problems = [line for line in err.strip().splitlines() if " INFO " not in line]
    assert problems == ["vzayemodiia: VZ_TELEGRAM_TOKEN is rejected by Telegram: Unauthorized"]
    assert fake_api.calls[0].method == "getMe"
    assert fake_api.calls[0].status == 401
