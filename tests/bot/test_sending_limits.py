"""The outbox's sending limits: evenly spaced messages per messenger, one a second per
chat, and a pause after a 429."""

from __future__ import annotations

import asyncio
import itertools
import time

from bot.sending_limits import SendingLimits


async def test_messages_to_a_messenger_are_spaced_by_its_rate() -> None:
    """At 50 a second, twenty messages to twenty chats leave at least 1/50 s apart: never
    more than the rate in any one second, no burst at the start."""
    limits = SendingLimits({"telegram": 50.0})
    leaving = []
    for chat in range(20):
        await limits.slot("telegram", str(chat))
        leaving.append(time.monotonic())
    gaps = [later - earlier for earlier, later in itertools.pairwise(leaving)]
    # aiolimiter drains on the loop's clock; a tick of slack for its rounding.
    assert min(gaps) >= 1 / 50 - 0.002


async def test_one_chat_gets_one_message_a_second() -> None:
    """Two messages to the same chat are a second apart, whatever the messenger's rate."""
    limits = SendingLimits({"telegram": 1000.0}, per_chat_seconds=0.3)
    await limits.slot("telegram", "42")
    started = time.monotonic()
    await limits.slot("telegram", "42")
    assert time.monotonic() - started >= 0.3 - 0.002


async def test_a_pause_holds_every_chat_of_that_messenger_only() -> None:
    """After a 429 nothing leaves for that messenger until the pause ends; another
    messenger is not held."""
    limits = SendingLimits({"telegram": 1000.0, "viber": 1000.0})
    limits.pause("telegram", 0.3)
    started = time.monotonic()
    await limits.slot("viber", "1")
    assert time.monotonic() - started < 0.3
    await limits.slot("telegram", "2")
    assert time.monotonic() - started >= 0.3 - 0.002
    assert limits.paused_for("telegram") == 0.0


async def test_idle_chats_are_forgotten_beyond_the_bound() -> None:
    """Buckets of chats whose second has passed are let go when the bound is reached, so a
    broadcast to millions keeps a bounded dictionary."""
    limits = SendingLimits({"telegram": 10_000.0}, per_chat_seconds=0.01)
    import bot.sending_limits as module

    bound, module.MAX_CHAT_BUCKETS = module.MAX_CHAT_BUCKETS, 50
    try:
        for chat in range(200):
            await limits.slot("telegram", str(chat))
            if chat % 25 == 0:
                await asyncio.sleep(0.02)
        assert len(limits._chats) <= 50 + 25
    finally:
        module.MAX_CHAT_BUCKETS = bound


def test_a_viber_chat_gets_at_most_100_messages_in_any_hour() -> None:
    """The hour slides: the 101st is refused with the time until the oldest leaves the
    hour, counted once it has; Telegram has no such cap."""
    ticks = [0.0]
    limits = SendingLimits({"viber": 25.0, "telegram": 25.0}, monotonic=lambda: ticks[0])
    for minute in range(100):
        ticks[0] = minute * 30.0
        assert limits.hour_wait("viber", "42") == 0.0
    assert limits.hour_wait("viber", "42") == 3600.0 - 99 * 30.0
    assert limits.hour_wait("viber", "43") == 0.0
    ticks[0] = 3600.0
    assert limits.hour_wait("viber", "42") == 0.0
    assert limits.hour_wait("viber", "42") == 30.0
    assert all(limits.hour_wait("telegram", "42") == 0.0 for _ in range(200))


def test_a_message_from_the_user_starts_the_hour_over() -> None:
    """Viber counts the hundred since the user last wrote: after 100 messages the chat
    is full, but a reply from the user a minute ago leaves room for 100 more."""
    ticks = [0.0]
    limits = SendingLimits({"viber": 25.0}, monotonic=lambda: ticks[0])
    for _ in range(100):
        assert limits.hour_wait("viber", "42", replied_ago=600.0) == 0.0
    ticks[0] = 120.0
    assert limits.hour_wait("viber", "42", replied_ago=720.0) > 0
    assert limits.hour_wait("viber", "42", replied_ago=60.0) == 0.0
    assert all(limits.hour_wait("viber", "42", replied_ago=60.0) == 0.0 for _ in range(99))
    assert limits.hour_wait("viber", "42", replied_ago=60.0) > 0


async def test_viber_broadcast_calls_have_their_own_rate_of_50_a_second() -> None:
    """broadcast_message calls leave at least 1/50 s apart (500 per 10 s), whatever the
    send_message rate, and wait out a pause of Viber."""
    limits = SendingLimits({"viber": 1000.0})
    leaving = []
    for _ in range(6):
        await limits.call_slot("viber:broadcast")
        leaving.append(time.monotonic())
    gaps = [later - earlier for earlier, later in itertools.pairwise(leaving)]
    assert min(gaps) >= 1 / 50 - 0.002
    limits.pause("viber", 0.2)
    started = time.monotonic()
    await limits.call_slot("viber:broadcast")
    assert time.monotonic() - started >= 0.2 - 0.002
