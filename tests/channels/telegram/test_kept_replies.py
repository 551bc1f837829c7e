"""A reply Telegram does not take (a server error) is not lost: it is kept in the outbox
and the worker sends it once Telegram answers again."""

from __future__ import annotations

from sqlalchemy import select

from bot.modules import product_modules
from bot.notifier import Notifier
from civic.deadlines import KYIV
from handlers.kept_replies import KEPT_REPLY_KIND
from storage.models import Notice
from tests.channels.telegram.conftest import TelegramHarness
from tests.channels.telegram.updates import TelegramUser

TARAS = TelegramUser(111_222_777, "Taras", "en")


async def test_a_reply_telegram_refused_is_sent_later_by_the_worker(
    telegram: TelegramHarness,
) -> None:
    """The profile's reply meets a 500 from Telegram: it is kept as a notice with its
    text and buttons, and the worker then delivers it to the same chat, once."""
    await telegram.say(TARAS, "/start")
    before = len(telegram.api.chat_messages(TARAS.id))
    telegram.api.fail_next("sendMessage", 1, status=500, description="Internal Server Error")
    telegram.api.fail_next("editMessageText", 1, status=500, description="Internal Server Error")
    await telegram.press(TARAS, "me")
    assert len(telegram.api.chat_messages(TARAS.id)) == before
    async with telegram.database.transaction() as session:
        [kept] = (await session.scalars(select(Notice).where(Notice.kind == KEPT_REPLY_KIND))).all()
    assert "My profile" in kept.payload["replies"][0]["text"]

    notifier = Notifier(
        telegram.database,
        telegram.channel.processor.core.clock,
        [telegram.channel],
        KYIV,
        product_modules().notice_renderers,
    )
    assert await notifier.run_once() == 1
    latest = telegram.api.last_message(TARAS.id)
    assert "My profile" in latest["text"]
    assert latest.get("reply_markup", {}).get("inline_keyboard")
    assert await notifier.run_once() == 0
