"""Broadcasts to Viber through the outbox and the real Viber channel against the Viber
double: ``broadcast_message`` in calls of at most 300, notices still by ``send_message``,
and Viber's 100 messages per user per hour."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels.viber.channel import ViberChannel
from bot.modules import product_modules
from bot.notifier import Notifier
from bot.sending_limits import HOUR_SECONDS, SendingLimits
from civic.broadcasts import Broadcasts
from civic.clock import FixedClock
from handlers.core import ConversationCore
from storage.db import Database
from storage.models import ChannelAccount, Notice
from tests.bot.test_notifier import _answered_request
from tests.channels.viber.conftest import FAST_RETRY, TOKEN, viber_settings
from tests.fakes.viber_api import FakeViberApi
from tests.outbox_support import KYIV, add_citizens, drain, queue_broadcast


@pytest.fixture
async def fake() -> AsyncIterator[FakeViberApi]:
    async with FakeViberApi(TOKEN) as double:
        yield double


@pytest.fixture
async def channel(
    database_url: str, core: ConversationCore, fake: FakeViberApi
) -> AsyncIterator[ViberChannel]:
    viber = ViberChannel(viber_settings(database_url, fake.api_url, None), core, retry=FAST_RETRY)
    yield viber
    await viber.stop()


def _notifier(
    database: Database, clock: FixedClock, channel: ViberChannel, limits: SendingLimits
) -> Notifier:
    return Notifier(
        database, clock, [channel], KYIV, product_modules().notice_renderers, limits=limits
    )


async def test_650_viber_citizens_get_a_broadcast_in_three_calls(
    database: Database, clock: FixedClock, fake: FakeViberApi, channel: ViberChannel
) -> None:
    """Three broadcast_message calls of 300, 300 and 50 receivers, no send_message; each
    citizen gets the message once; the unsubscribed are counted unreachable and their
    accounts marked."""
    now = clock.now()
    await add_citizens(database, now, "viber", 650)
    gone = {"viber-uk-7", "viber-uk-420", "viber-uk-649"}
    for receiver in gone:
        fake.unsubscribe(receiver)
    broadcast_id = await queue_broadcast(database, now, uk="Перекриття мосту завтра")
    await drain(_notifier(database, clock, channel, SendingLimits({"viber": 1000.0})))

    assert [len(receivers) for receivers in fake.broadcast_lists()] == [300, 300, 50]
    assert fake.calls_to("send_message") == []
    everyone = [receiver for receivers in fake.broadcast_lists() for receiver in receivers]
    assert sorted(everyone) == sorted(f"viber-uk-{n}" for n in range(650))
    for n in (0, 299, 300, 648):
        [message] = fake.messages_to(f"viber-uk-{n}")
        assert message["text"] == "Перекриття мосту завтра"
        assert message["keyboard"]["Buttons"][0]["ActionType"] == "reply"
    assert fake.message_count == 647
    async with database.transaction() as session:
        progress = await Broadcasts(session).progress(broadcast_id)
        unreachable = await session.scalars(
            select(ChannelAccount.external_id).where(ChannelAccount.reachable.is_(False))
        )
        assert set(unreachable) == gone
    assert dict(progress.counts) == {"delivered": 647, "unreachable": 3}


async def test_a_notice_to_viber_still_goes_by_send_message(
    database: Database, clock: FixedClock, fake: FakeViberApi, channel: ViberChannel
) -> None:
    """A citizen's own notice is one send_message to their chat, never a broadcast."""
    await _answered_request(database, clock, "viber")
    await drain(_notifier(database, clock, channel, SendingLimits({"viber": 1000.0})))
    assert fake.calls_to("broadcast_message") == []
    [call] = fake.calls_to("send_message")
    assert call.payload["receiver"] == "u-1"
    assert "Запит ЗІ-2026-000001" in call.payload["text"]


async def test_the_101st_message_in_an_hour_is_put_off_not_sent(
    database: Database, clock: FixedClock, fake: FakeViberApi, channel: ViberChannel
) -> None:
    """A chat that had 100 messages this hour since its user last wrote: its broadcast
    row is due again when the oldest leaves the hour, with no attempt counted, while the
    other chat's row goes at once; an hour later it is sent."""
    now = clock.now()
    # They last wrote to us a quarter of an hour ago, before the hundred messages.
    await add_citizens(database, now - timedelta(minutes=15), "viber", 2)
    ticks = [1000.0]
    limits = SendingLimits({"viber": 1000.0}, monotonic=lambda: ticks[0])
    for _ in range(100):
        assert limits.hour_wait("viber", "viber-uk-0") == 0.0
    ticks[0] += 600.0  # ten minutes later the hour still holds all hundred
    await queue_broadcast(database, now)
    notifier = _notifier(database, clock, channel, limits)
    await drain(notifier)

    assert fake.broadcast_lists() == [["viber-uk-1"]]
    async with database.transaction() as session:
        row = await session.scalar(
            select(Notice)
            .join(ChannelAccount, ChannelAccount.id == Notice.account_id)
            .where(ChannelAccount.external_id == "viber-uk-0")
        )
        assert row is not None
        assert (row.attempts, row.outcome) == (0, None)
        assert row.send_after == now + timedelta(seconds=HOUR_SECONDS - 600.0)
    clock.at += timedelta(seconds=HOUR_SECONDS - 600.0)
    ticks[0] += HOUR_SECONDS - 600.0
    await drain(notifier)
    assert fake.broadcast_lists() == [["viber-uk-1"], ["viber-uk-0"]]
    assert len(fake.messages_to("viber-uk-0")) == 1


async def test_a_citizens_own_notice_counts_against_the_hour_too(
    database: Database, clock: FixedClock, fake: FakeViberApi, channel: ViberChannel
) -> None:
    """Viber's cap is on every message to a chat, not only broadcasts: with 100 sent this
    hour since the citizen last wrote, their own notice is put off, no attempt counted."""
    await _answered_request(database, clock, "viber")
    clock.at += timedelta(minutes=15)
    ticks = [1000.0]
    limits = SendingLimits({"viber": 1000.0}, monotonic=lambda: ticks[0])
    for _ in range(100):
        assert limits.hour_wait("viber", "u-1") == 0.0
    ticks[0] += 600.0
    await drain(_notifier(database, clock, channel, limits))
    assert fake.messages_to("u-1") == []
    async with database.transaction() as session:
        notice = await session.scalar(select(Notice).where(Notice.kind == "request_answered"))
        assert notice is not None
        assert (notice.attempts, notice.sent_at) == (0, None)
        assert notice.send_after == clock.now() + timedelta(seconds=HOUR_SECONDS - 600.0)
