"""The webhook's gate: secret, size, shape; unknown types ignored; 503 when the database is down."""

from __future__ import annotations

import json

import pytest

from bot.channels.telegram.webhook import PATH, SECRET_HEADER
from storage.db import Database
from tests.channels.telegram.conftest import TelegramHarness
from tests.channels.telegram.updates import TelegramUser

OLENA = TelegramUser(111_222_333, "Olena", "en")
UNREACHABLE_DATABASE = "postgresql+asyncpg://nobody@127.0.0.1:1/nothing"


@pytest.mark.parametrize("secret", ["", "wrong-secret", "x" * 300])
async def test_a_wrong_or_missing_secret_is_401_and_leaves_no_trace(
    telegram: TelegramHarness, secret: str
) -> None:
    """Without the right X-Telegram-Bot-Api-Secret-Token nothing is stored or sent."""
    update = telegram.updates.message(OLENA, "/start")
    before = await telegram.row_counts()
    calls_before = len(telegram.api.calls)

    assert await telegram.post(update, secret=secret) == 401
    response = await telegram.client.post(PATH, json=update)  # no header at all
    assert response.status == 401

    assert await telegram.row_counts() == before
    assert len(telegram.api.calls) == calls_before
    # The same update with the right secret is then handled: its id was not recorded.
    assert await telegram.post(update) == 200
    assert "Main menu" in telegram.api.last_message(OLENA.id)["text"]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2, 3]", b'{"message": {"text": "no update id"}}', b"\xff\xfe\x00"],
)
async def test_a_malformed_body_is_400(telegram: TelegramHarness, body: bytes) -> None:
    """A body that is not a Telegram update is refused with 400 and stores nothing."""
    before = await telegram.row_counts()
    headers = {SECRET_HEADER: telegram.settings.telegram_secret()}
    response = await telegram.client.post(PATH, data=body, headers=headers)
    assert response.status == 400
    assert await telegram.row_counts() == before


async def test_an_unknown_update_type_is_200_and_ignored(telegram: TelegramHarness) -> None:
    """An update type we do not handle is acknowledged (so never re-sent) and leaves no trace."""
    before = await telegram.row_counts()
    assert await telegram.post(telegram.updates.unknown()) == 200
    assert await telegram.row_counts() == before
    assert telegram.api.calls_of("sendMessage") == []


async def test_a_huge_body_is_413_and_the_server_keeps_serving(
    telegram: TelegramHarness,
) -> None:
    """A body over 1 MiB is refused with 413; the next update is served as usual."""
    update = telegram.updates.message(OLENA, "x" * (1024 * 1024 + 10))
    headers = {SECRET_HEADER: telegram.settings.telegram_secret()}
    response = await telegram.client.post(PATH, data=json.dumps(update), headers=headers)
    assert response.status == 413
    assert (await telegram.row_counts())["processed_event"] == 0

    await telegram.say(OLENA, "/start")
    assert "Main menu" in telegram.api.last_message(OLENA.id)["text"]


async def test_database_down_is_503_and_the_retry_counts_once(
    telegram: TelegramHarness, database: Database
) -> None:
    """With the database unreachable the webhook answers 503; Telegram's re-send then works once."""
    update = telegram.updates.message(OLENA, "/start")
    core = telegram.channel.core
    down = Database(UNREACHABLE_DATABASE)
    core.database = down
    try:
        assert await telegram.post(update) == 503
    finally:
        core.database = database
        await down.dispose()
    assert telegram.api.calls_of("sendMessage") == []

    assert await telegram.post(update) == 200
    assert await telegram.post(update) == 200
    assert len(telegram.api.calls_of("sendMessage")) == 1
    assert (await telegram.row_counts())["processed_event"] == 1


async def test_a_button_press_is_answered_in_the_webhook_response(
    telegram: TelegramHarness,
) -> None:
    """A callback_query's 200 carries answerCallbackQuery for Telegram to make; the bot
    makes no request of its own for it."""
    await telegram.say(OLENA, "/start")
    menu = telegram.api.last_message(OLENA.id)
    press = telegram.updates.callback(OLENA, menu, "menu")
    calls_before = len(telegram.api.calls)

    headers = {SECRET_HEADER: telegram.settings.telegram_secret()}
    response = await telegram.client.post(PATH, json=press, headers=headers)

    assert response.status == 200
    assert await response.json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": press["callback_query"]["id"],
    }
    assert "answerCallbackQuery" not in [call.method for call in telegram.api.calls[calls_before:]]
