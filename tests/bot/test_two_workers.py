"""Two delivery workers on one PostgreSQL outbox, each with its own connections, share a
broadcast, a petition answer's fan-out, citizens' own notices and a reply a messenger
refused earlier: together they send every message once, and neither sends one the other
sent (``FOR UPDATE SKIP LOCKED`` claims). SQLite has one writer, so one worker there."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from bot.channels.base import PushOutcome, PushResult
from civic.clock import FixedClock
from civic.outbox import owe_kept_replies
from civic.petitions import Petitions
from handlers.kept_replies import KEPT_REPLY_KIND, kept
from handlers.replies import Reply
from storage.db import Database
from tests.helpers import make_open_petition
from tests.outbox_support import add_citizens, drain, queue_broadcast, worker

CITIZENS = 400
SIGNERS = 60
KEPT_TEXT = "Мій профіль: телефон підтверджено."
ANNOUNCEMENT = "Увага: зміни в русі транспорту"


@dataclass
class SharedRecord:
    """What both workers' messengers delivered, and by which worker."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)  # worker, chat, text


@dataclass
class WorkerMessenger:
    """One worker's Telegram: delivers everything into the shared record, yielding to the
    event loop on each send as a network call would."""

    worker: str
    record: SharedRecord
    name: str = "telegram"

    async def push(
        self, external_id: str, replies: Sequence[Reply], *, broadcast: bool = False
    ) -> PushResult:
        await asyncio.sleep(0)
        self.record.sent.append((self.worker, external_id, replies[0].text))
        return PushOutcome.DELIVERED


async def _outbox_with_everything(database: Database, clock: FixedClock) -> None:
    """A broadcast to 400 citizens, a petition answered to 60 of them, and one reply
    Telegram refused to the first citizen, kept for the worker."""
    now = clock.now()
    citizen_ids = await add_citizens(database, now, "telegram", CITIZENS)
    petition_id = await make_open_petition(database, now, threshold=SIGNERS)
    async with database.transaction() as session:
        petitions = Petitions(session)
        for citizen_id in citizen_ids[:SIGNERS]:
            await petitions.sign(petition_id, citizen_id, "telegram", now)
    async with database.transaction() as session:
        await Petitions(session).answer(petition_id, "Рада погодила перехід у 2027 році.", now)
        assert await owe_kept_replies(
            session,
            channel="telegram",
            external_id="telegram-uk-0",
            kind=KEPT_REPLY_KIND,
            replies=kept([Reply(KEPT_TEXT)]),
            now=now,
        )
    await queue_broadcast(database, now, uk=ANNOUNCEMENT)


async def test_two_workers_send_each_message_once(
    backend: str, database_url: str, database: Database, clock: FixedClock
) -> None:
    """Every citizen gets the announcement once, every signer the answer once, the kept
    reply reaches its chat once; both workers sent a share, and no (chat, message) pair
    was sent twice."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer: one worker, tested elsewhere")
    await _outbox_with_everything(database, clock)
    record = SharedRecord()
    second_database = Database(database_url, pool_size=5)
    try:
        first = worker(database, clock, WorkerMessenger("first", record))
        second = worker(second_database, clock, WorkerMessenger("second", record))
        first.batch = second.batch = 40  # many claims, so that they interleave
        await asyncio.gather(drain(first), drain(second), drain(first), drain(second))
    finally:
        await second_database.dispose()

    pairs = Counter((chat, text) for _worker, chat, text in record.sent)
    assert [pair for pair, count in pairs.items() if count > 1] == []
    announcements = [chat for chat, text in pairs if text == ANNOUNCEMENT]
    answers = [chat for chat, text in pairs if "Рада погодила перехід" in text]
    assert len(announcements) == len(set(announcements)) == CITIZENS
    assert len(answers) == SIGNERS
    assert [chat for chat, text in pairs if KEPT_TEXT in text] == ["telegram-uk-0"]
    by_worker = Counter(name for name, _chat, _text in record.sent)
    assert set(by_worker) == {"first", "second"}
