"""The daily digest: a low-priority broadcast waits until the digest time for citizens
who chose the digest and then comes with the day's others in one message; everyone else
gets it at once; each row keeps its own outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from civic.broadcasts import Broadcasts
from civic.clock import FixedClock
from civic.digests import next_digest
from civic.preferences import Preferences
from storage.db import Database
from storage.models import Notice
from storage.outbox_models import BroadcastStatus
from tests.outbox_support import (
    KYIV,
    RecordingPusher,
    add_citizens,
    drain,
    queue_broadcast,
    worker,
)

MORNING = datetime(2026, 12, 4, 10, 0, tzinfo=KYIV)
EVENING = datetime(2026, 12, 4, 18, 0, tzinfo=KYIV)
ROADS = "Ремонт дороги на вулиці Соборній триватиме до п'ятниці."
PARK = "У парку Перемоги висадять сто нових дерев."
ALERT = "Увага: сьогодні з 14:00 не буде води на Замостянській."


async def _digest_reader_and_other(database: Database, clock: FixedClock) -> tuple[int, int]:
    """Two Telegram citizens: the first chose the digest; (first, second)."""
    reader, other = await add_citizens(database, clock.now(), "telegram", 2)
    async with database.transaction() as session:
        await Preferences(session).set_digest(reader, True, clock.now())
    return reader, other


async def test_low_priority_news_waits_for_the_digest_and_comes_in_one_message(
    database: Database, clock: FixedClock
) -> None:
    """At 10:00 two low-priority broadcasts and an urgent one: the citizen without the
    digest gets all three at once, the digest reader only the urgent one; at 18:00 the
    reader gets one message naming two announcements with both texts, and both
    broadcasts end done with every row delivered."""
    clock.at = MORNING
    await _digest_reader_and_other(database, clock)
    roads = await queue_broadcast(database, clock.now(), low_priority=True, uk=ROADS)
    park = await queue_broadcast(database, clock.now(), low_priority=True, uk=PARK)
    await queue_broadcast(database, clock.now(), uk=ALERT)
    telegram = RecordingPusher("telegram")
    notifier = worker(database, clock, telegram)
    await drain(notifier)
    assert sorted(text for chat, text, _b in telegram.sent if chat == "telegram-uk-1") == sorted(
        [ROADS, PARK, ALERT]
    )
    assert [text for chat, text, _b in telegram.sent if chat == "telegram-uk-0"] == [ALERT]

    clock.at = EVENING
    telegram.sent.clear()
    telegram.texts.clear()
    await drain(notifier)
    ((chat, texts),) = telegram.texts
    assert chat == "telegram-uk-0"
    assert len(texts) == 1
    assert "2 оголошення" in texts[0]
    assert ROADS in texts[0]
    assert PARK in texts[0]
    async with database.transaction() as session:
        for broadcast_id in (roads, park):
            progress = await Broadcasts(session).progress(broadcast_id)
            assert progress.status is BroadcastStatus.DONE
            assert dict(progress.counts) == {"delivered": 2}


async def test_a_broadcast_waits_in_the_digest_only_when_it_is_low_priority(
    database: Database, clock: FixedClock
) -> None:
    """A broadcast sent as usual reaches the digest reader at once; nothing is held."""
    clock.at = MORNING
    await _digest_reader_and_other(database, clock)
    await queue_broadcast(database, clock.now(), uk=ALERT)
    telegram = RecordingPusher("telegram")
    await drain(worker(database, clock, telegram))
    assert sorted(telegram.chats()) == ["telegram-uk-0", "telegram-uk-1"]
    async with database.transaction() as session:
        held = await session.scalars(select(Notice).where(Notice.in_digest.is_(True)))
        assert held.all() == []


async def test_turning_the_digest_off_releases_what_was_held(
    database: Database, clock: FixedClock
) -> None:
    """News held for tonight's digest goes out at once, one by one, when the citizen
    turns the digest off."""
    clock.at = MORNING
    reader, _other = await _digest_reader_and_other(database, clock)
    await queue_broadcast(database, clock.now(), low_priority=True, uk=ROADS)
    telegram = RecordingPusher("telegram")
    notifier = worker(database, clock, telegram)
    await drain(notifier)
    assert telegram.chats() == ["telegram-uk-1"]
    async with database.transaction() as session:
        await Preferences(session).set_digest(reader, False, clock.now())
    await drain(notifier)
    assert sorted(telegram.sent) == [
        ("telegram-uk-0", ROADS, True),
        ("telegram-uk-1", ROADS, True),
    ]


async def test_stopping_announcements_before_the_digest_ends_its_rows_opted_out(
    database: Database, clock: FixedClock
) -> None:
    """A reader who stops announcements before 18:00 gets no digest, and their held rows
    count as opted out."""
    clock.at = MORNING
    reader, _other = await _digest_reader_and_other(database, clock)
    roads = await queue_broadcast(database, clock.now(), low_priority=True, uk=ROADS)
    telegram = RecordingPusher("telegram")
    notifier = worker(database, clock, telegram)
    await drain(notifier)
    async with database.transaction() as session:
        await Preferences(session).set_announcements(reader, False, clock.now())
    clock.at = EVENING
    await drain(notifier)
    assert telegram.chats() == ["telegram-uk-1"]
    async with database.transaction() as session:
        progress = await Broadcasts(session).progress(roads)
    assert dict(progress.counts) == {"delivered": 1, "opted_out": 1}
    assert progress.status is BroadcastStatus.DONE


def test_the_digest_is_at_the_next_six_in_the_evening_kyiv_time() -> None:
    """Before 18:00 the digest is today's; at or after 18:00 it is tomorrow's, across the
    change from summer time."""
    assert next_digest(MORNING, KYIV) == EVENING
    assert next_digest(EVENING, KYIV) == datetime(2026, 12, 5, 18, 0, tzinfo=KYIV)
    saturday = datetime(2026, 10, 24, 19, 0, tzinfo=KYIV)
    assert next_digest(saturday, KYIV) == datetime(2026, 10, 25, 18, 0, tzinfo=KYIV)
    assert next_digest(saturday, KYIV).utcoffset() is not None
