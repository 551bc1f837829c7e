"""Broadcasts through the outbox: expanded in batches into one row per account, sent once
per account within the limits, with each row's outcome counted; opting out, quiet hours,
cancelling, a 429, an unreachable account and a worker that dies mid-batch."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.channels.base import PushOutcome, RateLimited
from bot.modules import product_modules
from bot.notifier import BATCH, LEASE, Notifier
from bot.sending_limits import SendingLimits
from civic.broadcasts import Audience, Broadcasts
from civic.clock import FixedClock
from civic.preferences import Preferences
from civic.quiet_hours import quiet_window
from handlers.texts import Texts
from storage import repositories as repo
from storage.db import Database
from storage.models import ChannelAccount, Notice
from storage.outbox_models import BroadcastStatus, FollowedTopic, NotificationPreference
from tests.outbox_support import KYIV, RecordingPusher, add_citizens, drain, queue_broadcast, worker
from tests.toy_module import WATERED, GardenBook, garden_module


async def test_expansion_goes_in_batches_and_counts_who_opted_out(
    database: Database, clock: FixedClock
) -> None:
    """Seven accounts expanded three at a time: three steps add seven rows, the cursor
    moves past each batch, a fourth step ends the expansion; the citizen who turned
    announcements off is a row with the outcome ``opted_out``, never queued."""
    now = clock.now()
    telegram = await add_citizens(database, now, "telegram", 4)
    await add_citizens(database, now, "viber", 3)
    async with database.transaction() as session:
        await Preferences(session).set_announcements(telegram[0], False, now)
    broadcast_id = await queue_broadcast(database, now)
    looked_at = []
    for _ in range(4):
        async with database.transaction() as session:
            rules = Broadcasts(session)
            [broadcast] = await rules.due(now) or [None]
            assert broadcast is not None
            looked_at.append(await rules.expand_step(broadcast, now, batch=3))
    assert looked_at == [3, 3, 1, 0]
    async with database.transaction() as session:
        progress = await Broadcasts(session).progress(broadcast_id)
        assert await Broadcasts(session).due(now) == []
    assert progress.expanded
    assert progress.queued == 6
    assert dict(progress.counts) == {"opted_out": 1}


async def test_the_audience_is_chosen_by_messenger_language_topic_and_region(
    database: Database, clock: FixedClock
) -> None:
    """Sizes per messenger follow the filters: a messenger, a language, the followers of
    a topic, the followers of a region."""
    now = clock.now()
    uk = await add_citizens(database, now, "telegram", 3, "uk")
    await add_citizens(database, now, "telegram", 2, "en")
    await add_citizens(database, now, "viber", 4, "uk")
    async with database.transaction() as session:
        session.add(FollowedTopic(citizen_id=uk[0], topic="roads"))
        preference = await Preferences(session).of(uk[1], now)
        preference.region = "Київ"
        rules = Broadcasts(session)
        assert await rules.audience_sizes(Audience()) == {"telegram": 5, "viber": 4}
        assert await rules.audience_sizes(Audience(channels=("viber",))) == {"viber": 4}
        assert await rules.audience_sizes(Audience(languages=("en",))) == {"telegram": 2}
        assert await rules.audience_sizes(Audience(topic="roads")) == {"telegram": 1}
        assert await rules.audience_sizes(Audience(region="Київ")) == {"telegram": 1}


async def test_a_broadcast_reaches_each_account_once_in_its_language(
    database: Database, clock: FixedClock
) -> None:
    """Every account gets the text in its language with the stop button, as a broadcast;
    the broadcast ends done with every row delivered; another pass sends nothing."""
    now = clock.now()
    await add_citizens(database, now, "telegram", 3, "uk")
    await add_citizens(database, now, "viber", 2, "en")
    broadcast_id = await queue_broadcast(
        database, now, uk="Перекриття мосту завтра", en="Bridge closed tomorrow"
    )
    telegram, viber = RecordingPusher("telegram"), RecordingPusher("viber")
    notifier = worker(database, clock, telegram, viber)
    await drain(notifier)

    assert sorted(telegram.sent) == [
        (f"telegram-uk-{n}", "Перекриття мосту завтра", True) for n in range(3)
    ]
    assert sorted(viber.sent) == [
        (f"viber-en-{n}", "Bridge closed tomorrow", True) for n in range(2)
    ]
    async with database.transaction() as session:
        progress = await Broadcasts(session).progress(broadcast_id)
        row = await session.scalar(select(Notice).where(Notice.broadcast_id == broadcast_id))
        assert row is not None
        replies = await product_modules().notice_renderers["broadcast"](
            session, row, Texts("en", KYIV)
        )
    assert progress.status is BroadcastStatus.DONE
    assert dict(progress.counts) == {"delivered": 5}
    assert replies is not None
    assert replies[0].buttons[0][0].label == "🔕 Stop these announcements"
    await drain(notifier)
    assert len(telegram.sent) + len(viber.sent) == 5


async def test_stopping_announcements_mid_broadcast_takes_effect_at_once(
    database: Database, clock: FixedClock
) -> None:
    """A citizen who turns announcements off after the broadcast was expanded gets
    nothing: their waiting row ends ``opted_out``."""
    now = clock.now()
    citizens = await add_citizens(database, now, "telegram", 2)
    broadcast_id = await queue_broadcast(database, now)
    async with database.transaction() as session:
        rules = Broadcasts(session)
        [broadcast] = await rules.due(now)
        await rules.expand_step(broadcast, now)
        await Preferences(session).set_announcements(citizens[1], False, now)
    telegram = RecordingPusher("telegram")
    await drain(worker(database, clock, telegram))
    assert [external for external, _text, _b in telegram.sent] == ["telegram-uk-0"]
    async with database.transaction() as session:
        progress = await Broadcasts(session).progress(broadcast_id)
    assert dict(progress.counts) == {"delivered": 1, "opted_out": 1}


async def test_quiet_hours_hold_broadcasts_but_not_a_citizens_own_news(
    database: Database, clock: FixedClock
) -> None:
    """At 23:00 Kyiv time a broadcast waits for citizens keeping quiet hours (the
    default) and goes to one who turned them off."""
    clock.at = datetime(2026, 12, 4, 23, 0, tzinfo=KYIV)
    now = clock.now()
    citizens = await add_citizens(database, now, "telegram", 2)
    async with database.transaction() as session:
        await Preferences(session).set_quiet_hours(citizens[1], False, now)
    broadcast_id = await queue_broadcast(database, now)
    telegram = RecordingPusher("telegram")
    notifier = worker(database, clock, telegram, quiet=quiet_window("22:00-08:00"))
    await drain(notifier)
    assert [external for external, _t, _b in telegram.sent] == ["telegram-uk-1"]
    clock.at = datetime(2026, 12, 5, 8, 0, tzinfo=KYIV)
    await drain(notifier)
    assert sorted(external for external, _t, _b in telegram.sent) == [
        "telegram-uk-0",
        "telegram-uk-1",
    ]
    async with database.transaction() as session:
        assert (await Broadcasts(session).progress(broadcast_id)).status is BroadcastStatus.DONE


async def test_a_429_pauses_the_messenger_and_costs_no_attempt(
    database: Database, clock: FixedClock
) -> None:
    """Telegram's "retry after 3": the row is due again in 3 s without an attempt counted,
    and the limits pause Telegram; after that it is delivered."""
    now = clock.now()
    await add_citizens(database, now, "telegram", 1)
    await queue_broadcast(database, now)
    telegram = RecordingPusher("telegram", script=[RateLimited(3.0)])
    ticks = [100.0]
    notifier = worker(
        database,
        clock,
        telegram,
        limits=SendingLimits({"telegram": 1000.0}, monotonic=lambda: ticks[0]),
    )
    await notifier.run_once()
    async with database.transaction() as session:
        row = await session.scalar(select(Notice).where(Notice.broadcast_id.is_not(None)))
        assert row is not None
        assert (row.attempts, row.outcome, row.send_after) == (0, None, now + timedelta(seconds=3))
    assert notifier.limits.paused_for("telegram") == 3.0
    clock.at += timedelta(seconds=3)
    ticks[0] += 3.0
    await drain(notifier)
    assert len(telegram.sent) == 1


async def test_an_unreachable_account_is_counted_and_not_moved_to_another_messenger(
    database: Database, clock: FixedClock
) -> None:
    """A broadcast row to a blocked Telegram account ends ``unreachable`` and marks the
    account; the citizen's Viber account gets only its own row."""
    now = clock.now()
    async with database.transaction() as session:
        telegram_account = await repo.lock_account(session, "telegram", "t-1", "uk", now)
        viber_account = await repo.lock_account(session, "viber", "v-1", "uk", now)
        viber_account.citizen_id = telegram_account.citizen_id
    broadcast_id = await queue_broadcast(database, now)
    telegram = RecordingPusher("telegram", script=[PushOutcome.UNREACHABLE])
    viber = RecordingPusher("viber")
    await drain(worker(database, clock, telegram, viber))
    assert telegram.sent == []
    assert [external for external, _t, _b in viber.sent] == ["v-1"]
    async with database.transaction() as session:
        progress = await Broadcasts(session).progress(broadcast_id)
        account = await session.get(ChannelAccount, telegram_account.id)
        assert account is not None
        assert account.reachable is False
    assert dict(progress.counts) == {"delivered": 1, "unreachable": 1}


async def test_cancelling_stops_what_was_not_sent(database: Database, clock: FixedClock) -> None:
    """Cancelled after expansion and before sending: every row ends ``cancelled``,
    nothing is sent, and a cancelled broadcast cannot be cancelled again."""
    now = clock.now()
    await add_citizens(database, now, "telegram", 3)
    broadcast_id = await queue_broadcast(database, now)
    async with database.transaction() as session:
        rules = Broadcasts(session)
        [broadcast] = await rules.due(now)
        await rules.expand_step(broadcast, now)
        await rules.cancel(broadcast_id, now)
    telegram = RecordingPusher("telegram")
    await drain(worker(database, clock, telegram))
    assert telegram.sent == []
    async with database.transaction() as session:
        progress = await Broadcasts(session).progress(broadcast_id)
    assert progress.status is BroadcastStatus.CANCELLED
    assert dict(progress.counts) == {"cancelled": 3}


async def test_a_worker_that_dies_mid_batch_loses_nothing(
    database: Database, clock: FixedClock
) -> None:
    """A worker claims a batch and dies before recording anything: once the lease ends
    another worker sends the whole batch; every account gets the message, and the
    duplicates are at most that one batch."""
    now = clock.now()
    await add_citizens(database, now, "telegram", 5)
    broadcast_id = await queue_broadcast(database, now)
    dying = worker(database, clock, RecordingPusher("telegram"))
    await dying._expand()
    claimed, _rows = await dying._claim()  # then killed: nothing recorded
    assert len(claimed) == 5 <= BATCH
    survivor_pusher = RecordingPusher("telegram")
    survivor = worker(database, clock, survivor_pusher)
    await drain(survivor)
    assert survivor_pusher.sent == []  # the lease still holds
    clock.at += LEASE
    await drain(survivor)
    assert sorted(external for external, _t, _b in survivor_pusher.sent) == [
        f"telegram-uk-{n}" for n in range(5)
    ]
    async with database.transaction() as session:
        progress = await Broadcasts(session).progress(broadcast_id)
        preference_rows = (await session.scalars(select(NotificationPreference))).all()
    assert dict(progress.counts) == {"delivered": 5}
    assert preference_rows == []  # nobody's choices were touched


async def test_a_modules_announcement_is_rendered_by_the_module_and_honours_preferences(
    database: Database, clock: FixedClock
) -> None:
    """A module announces through a broadcast (as a poll opening will): each citizen gets
    the module's own text for its kind and subject, one who stopped announcements gets
    nothing, and the counts are a broadcast's."""
    now = clock.now()
    citizens = await add_citizens(database, now, "telegram", 3)
    async with database.transaction() as session:
        await Preferences(session).set_announcements(citizens[2], False, now)
        announced = await Broadcasts(session).announce(
            kind=WATERED, subject_id=7, audience=Audience(), created_by="garden", now=now
        )
    garden = product_modules().with_module(garden_module(GardenBook()))
    telegram = RecordingPusher("telegram")
    notifier = Notifier(
        database,
        clock,
        [telegram],
        KYIV,
        garden.notice_renderers,
        limits=SendingLimits({"telegram": 1000.0}),
    )
    await drain(notifier)
    assert sorted(telegram.sent) == [
        ("telegram-uk-0", "Tree 7 thanks you for the water.", True),
        ("telegram-uk-1", "Tree 7 thanks you for the water.", True),
    ]
    async with database.transaction() as session:
        progress = await Broadcasts(session).progress(announced.id)
    assert dict(progress.counts) == {"delivered": 2, "opted_out": 1}
