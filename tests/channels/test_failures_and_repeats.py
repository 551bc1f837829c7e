"""What the channels do with a repeated update and with an event that fails in the
database for a reason other than the database being unavailable.

Before the module contract every database error was "unavailable": a deterministic one
made Telegram re-send the same update for ever (503), held up the updates behind it in
polling mode, and a repeated button press was answered with answerCallbackQuery again.
"""

from __future__ import annotations

import pytest
from aiogram.types import Update
from sqlalchemy import func, select

from bot.app import build_core
from bot.modules import product_modules
from bot.settings import Settings
from civic.clock import FixedClock
from handlers.core import ConversationCore
from storage.db import Database
from storage.models import ProcessedEvent, Signature
from tests.broken_module import BROKEN
from tests.channels.telegram.conftest import TelegramHarness, fake_api, telegram
from tests.channels.telegram.updates import TelegramUser
from tests.channels.viber import builders
from tests.channels.viber.conftest import ViberHarness, fake_viber, viber
from tests.conftest import TEST_SECRET

__all__ = ["fake_api", "fake_viber", "telegram", "viber"]

OLENA = TelegramUser(111_222_555, "Olena", "en")
TARAS = "taras-viber-id=="
WENT_WRONG = "Sorry, something went wrong on our side and nothing was saved."


@pytest.fixture
def core(settings: Settings, database: Database, clock: FixedClock) -> ConversationCore:
    """The product's core with the broken module registered."""
    return build_core(settings, database, TEST_SECRET, clock, product_modules().with_module(BROKEN))


async def _count(database: Database, model: type) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_repeated_button_press_gets_no_answer_of_any_kind(
    telegram: TelegramHarness,
) -> None:
    """The same callback update twice: the first is answered (in the webhook's 200, as
    answerCallbackQuery) and replied to; the repeat gets a bare 200, no reply, no answer."""
    await telegram.say(OLENA, "/start")
    menu = telegram.api.last_message(OLENA.id)
    update = telegram.updates.callback(OLENA, menu, "me")
    calls_before = len(telegram.api.calls)

    assert await telegram.post(update) == 200
    first_calls = telegram.api.methods()[calls_before:]
    assert "answerCallbackQuery" in first_calls
    assert "sendMessage" in first_calls or "editMessageText" in first_calls

    headers = {"X-Telegram-Bot-Api-Secret-Token": telegram.settings.telegram_secret()}
    calls_before = len(telegram.api.calls)
    response = await telegram.client.post("/webhooks/telegram", json=update, headers=headers)
    assert response.status == 200
    assert b"answerCallbackQuery" not in await response.read()
    assert telegram.api.methods()[calls_before:] == []


async def test_a_deterministic_failure_is_answered_marked_done_and_not_retried_on_telegram(
    telegram: TelegramHarness, database: Database
) -> None:
    """An update whose handling breaks a constraint is answered 200 (not 503, which would
    make Telegram re-send it for ever), the citizen is told in their language that nothing
    was saved, the update id is marked done, and its re-delivery changes nothing."""
    update = telegram.updates.message(OLENA, "/broken")

    assert await telegram.post(update) == 200

    told = telegram.api.last_message(OLENA.id)["text"]
    assert WENT_WRONG in told
    assert "Main menu" in told
    assert await _count(database, Signature) == 0
    async with database.transaction() as session:
        claimed = await session.get(ProcessedEvent, ("telegram", str(update["update_id"])))
    assert claimed is not None
    messages = len(telegram.api.chat_messages(OLENA.id))
    assert await telegram.post(update) == 200
    assert len(telegram.api.chat_messages(OLENA.id)) == messages


async def test_polling_moves_past_a_deterministic_failure(telegram: TelegramHarness) -> None:
    """In polling mode the same failure is a done update: the offset moves past it, so
    the update behind it is handled and not held up."""
    failing = telegram.updates.message(OLENA, "/broken")
    after = telegram.updates.message(OLENA, "/help")
    bot = telegram.channel.bot
    updates = [Update.model_validate(raw, context={"bot": bot}) for raw in (failing, after)]

    assert await telegram.channel.poller.process_batch(updates) is True

    assert telegram.channel.poller.offset == after["update_id"] + 1
    texts = [message["text"] for message in telegram.api.chat_messages(OLENA.id)]
    assert WENT_WRONG in texts[0]
    assert "How to talk to me" in texts[-1]


async def test_a_deterministic_failure_is_answered_and_not_retried_on_viber(
    viber: ViberHarness, database: Database
) -> None:
    """On Viber the same failure answers 200, sends the localized apology, and a re-sent
    callback (same message token) has no effect."""
    await viber.post(builders.subscribed(TARAS))
    callback = builders.text_message(TARAS, "/broken")

    answer = await viber.post(callback)

    assert answer.status == 200
    assert WENT_WRONG in viber.last(TARAS)["text"]
    shown = len(viber.screen(TARAS))
    assert (await viber.post(callback)).status == 200
    assert len(viber.screen(TARAS)) == shown
    assert await _count(database, Signature) == 0
