"""A poll's opening told to its audience by the product's worker: the citizens who follow
the poll's region get the poll's own text in their language with a button to it; the
others, and a second run of the step, get nothing."""

from __future__ import annotations

from civic.clock import FixedClock
from civic.polls import Polls
from civic.preferences import Preferences
from storage.db import Database
from tests.outbox_support import RecordingPusher, add_citizens, drain, worker
from tests.poll_support import HOUR, REGION, make_poll


async def test_the_opening_reaches_the_region_once_in_each_language(
    database: Database, clock: FixedClock
) -> None:
    """Two citizens follow the poll's region (Ukrainian, English), one follows none: the
    two are told once, each in their language; the step run again tells no one."""
    now = clock.now()
    await make_poll(database, now, regions=[REGION])
    ukrainian = await add_citizens(database, now, "telegram", 2, locale="uk")
    english = await add_citizens(database, now, "telegram", 1, locale="en")
    async with database.transaction() as session:
        for citizen in (ukrainian[0], english[0]):
            await Preferences(session).set_region(citizen, REGION, now)
    clock.at = now + 2 * HOUR
    for _run in range(2):
        async with database.transaction() as session:
            await Polls(session).announce_opened(clock.now())
    telegram = RecordingPusher("telegram")
    await drain(worker(database, clock, telegram))
    sent = sorted((chat, text.splitlines()[0]) for chat, text, _broadcast in telegram.sent)
    assert sent == [
        ("telegram-en-0", "📊 A new poll is open: «Який парк облаштувати першим?»."),
        ("telegram-uk-0", "📊 Відкрито нове опитування: «Який парк облаштувати першим?»."),
    ]
