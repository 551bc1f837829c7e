"""A broadcast through the real aiogram Bot against the Bot API double enforcing
Telegram's limits (30 messages a second overall, one a second per chat): the outbox stays
within them, and when the double allows less than configured, its 429s pause the sending
without losing or repeating anything.

The rate achieved is measured by bench/broadcast_telegram.py (3,000 citizens), not here:
tests assert what was sent, never how fast."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.channels.telegram.channel import TelegramChannel
from bot.modules import product_modules
from bot.notifier import Notifier
from bot.sending_limits import SendingLimits
from civic.broadcasts import BroadcastDraft, Broadcasts
from civic.clock import FixedClock
from civic.deadlines import KYIV
from handlers.core import ConversationCore
from storage import repositories as repo
from storage.db import Database
from storage.outbox_models import BroadcastStatus
from tests.channels.telegram.conftest import telegram_settings
from tests.fakes.telegram_api import FakeTelegramAPI, SendLimits

FIRST_CHAT = 700_000


@pytest.fixture
async def limited_api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(limits=SendLimits(overall=30, per_chat=1)) as api:
        yield api


async def _broadcast_to(database: Database, clock: FixedClock, citizens: int) -> int:
    now = clock.now()
    async with database.transaction() as session:
        for number in range(citizens):
            await repo.lock_account(session, "telegram", str(FIRST_CHAT + number), "uk", now)
        broadcast = await Broadcasts(session).create(
            BroadcastDraft({"uk": "Завтра з 9:00 до 12:00 не буде води на Подолі."}),
            official_id=None,
            created_by="test",
            send_at=now,
            now=now,
        )
        return broadcast.id


async def _send_all(
    database: Database,
    clock: FixedClock,
    channel: TelegramChannel,
    rate: float,
    broadcast_id: int,
) -> None:
    notifier = Notifier(
        database,
        clock,
        [channel],
        KYIV,
        product_modules().notice_renderers,
        limits=SendingLimits({"telegram": rate}),
    )
    for _ in range(500):
        await notifier.run_once()
        async with database.transaction() as session:
            progress = await Broadcasts(session).progress(broadcast_id)
        if progress.status is BroadcastStatus.DONE:
            return
        # Rows a 429 sent back are due after retry_after: the test's clock moves there.
        clock.at += timedelta(seconds=1)
    raise AssertionError(f"the broadcast did not finish: {progress}")


async def test_a_broadcast_stays_within_telegrams_limits(
    database: Database,
    database_url: str,
    clock: FixedClock,
    core: ConversationCore,
    limited_api: FakeTelegramAPI,
) -> None:
    """300 citizens at the default 25 a second: the double answers no 429 at all, no
    second holds more than 30 sends, and each chat gets exactly one message."""
    broadcast_id = await _broadcast_to(database, clock, 300)
    channel = TelegramChannel(telegram_settings(database_url, limited_api.url), core)
    try:
        await _send_all(database, clock, channel, 25.0, broadcast_id)
    finally:
        await channel.stop()
    assert limited_api.rejected_429s() == []
    assert limited_api.max_in_any_window(1.0) <= 30
    assert limited_api.messages_per_chat() == {FIRST_CHAT + n: 1 for n in range(300)}
    async with database.transaction() as session:
        progress = await Broadcasts(session).progress(broadcast_id)
    assert dict(progress.counts) == {"delivered": 300}


async def test_telegrams_429s_pause_the_broadcast_and_lose_nothing(
    database: Database,
    database_url: str,
    clock: FixedClock,
    core: ConversationCore,
    limited_api: FakeTelegramAPI,
) -> None:
    """Configured for 60 a second against a double allowing 10: the 429s pause Telegram
    and requeue their rows; in the end each of the 40 chats has exactly one message and
    every row is delivered."""
    limited_api.enforce_limits(overall=10, per_chat=1)
    broadcast_id = await _broadcast_to(database, clock, 40)
    channel = TelegramChannel(telegram_settings(database_url, limited_api.url), core)
    try:
        await _send_all(database, clock, channel, 60.0, broadcast_id)
    finally:
        await channel.stop()
    assert limited_api.rejected_429s()  # the double did push back
    assert limited_api.messages_per_chat() == {FIRST_CHAT + n: 1 for n in range(40)}
    async with database.transaction() as session:
        progress = await Broadcasts(session).progress(broadcast_id)
    assert dict(progress.counts) == {"delivered": 40}
