"""A petition's answer to every signer goes out as a fan-out: one row in the answer's
transaction, expanded by the worker in batches that resume after a crash, each signer
told once on the messenger they signed with."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from sqlalchemy import func, select

from bot.modules import product_modules
from civic.clock import FixedClock
from civic.fan_outs import FanOuts, owe_fan_out
from civic.petitions import Petitions
from storage import repositories as repo
from storage.db import Database
from storage.models import Notice
from storage.outbox_models import FanOut
from tests.helpers import make_open_petition
from tests.outbox_support import RecordingPusher, drain, worker

ANSWER = "Рада погодила облаштування переходу у 2027 році."


class Crash(Exception):
    """Raised inside a transaction to roll it back, as a killed worker would."""


async def _answered_petition(
    database: Database, now: datetime, channels: list[str]
) -> tuple[int, dict[int, str]]:
    """A petition signed by one citizen per entry of ``channels`` (their account on that
    messenger) and answered; its id and each signer's messenger."""
    petition_id = await make_open_petition(database, now, threshold=len(channels))
    signers: dict[int, str] = {}
    async with database.transaction() as session:
        petitions = Petitions(session)
        for number, channel in enumerate(channels):
            account = await repo.lock_account(session, channel, f"{channel}-{number}", "uk", now)
            await petitions.sign(petition_id, account.citizen_id, channel, now)
            signers[account.citizen_id] = channel
    async with database.transaction() as session:
        await Petitions(session).answer(petition_id, ANSWER, now)
    return petition_id, signers


async def _notices(database: Database, petition_id: int) -> list[tuple[int, str]]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(Notice.citizen_id, Notice.channel).where(
                Notice.kind == "petition_answered", Notice.subject_id == petition_id
            )
        )
        return [(citizen, channel) for citizen, channel in rows.all()]


async def test_the_answer_writes_one_row_and_expansion_resumes_after_a_crash(
    database: Database, clock: FixedClock
) -> None:
    """Answering writes one fan-out row and no signer's notice; steps of three add three
    signers each, a step rolled back by a crash adds nobody, and in the end each of the
    seven signers has exactly one notice, on the messenger they signed with."""
    now = clock.now()
    channels = ["telegram", "viber", "telegram", "telegram", "viber", "telegram", "viber"]
    petition_id, signers = await _answered_petition(database, now, channels)
    ((author, channel),) = await _notices(database, petition_id)
    assert (author not in signers, channel) == (True, "")
    audiences = product_modules().fan_out_audiences

    async def step(*, crash: bool = False) -> int:
        async with database.transaction() as session:
            fan_out = await session.scalar(select(FanOut))
            assert fan_out is not None
            added = await FanOuts(session, audiences).expand_step(fan_out, now, batch=3)
            if crash:
                raise Crash
            return added

    assert await step() == 3
    with pytest.raises(Crash):
        await step(crash=True)
    assert len(await _notices(database, petition_id)) == 1 + 3
    assert [await step(), await step(), await step()] == [3, 1, 0]
    told = [(c, ch) for c, ch in await _notices(database, petition_id) if c in signers]
    assert sorted(told) == sorted(signers.items())
    async with database.transaction() as session:
        fan_out = await session.scalar(select(FanOut))
        assert fan_out is not None
        assert (fan_out.expanded, fan_out.expanded_at) == (7, now)
        assert await FanOuts(session, audiences).waiting() == []


async def test_the_worker_tells_every_signer_once(database: Database, clock: FixedClock) -> None:
    """Through the product's worker: each signer gets the answer once on their messenger;
    the author's own notice (they did not sign, and have no account here) is given up."""
    now = clock.now()
    await _answered_petition(database, now, ["telegram", "viber", "telegram"])
    telegram, viber = RecordingPusher("telegram"), RecordingPusher("viber")
    await drain(worker(database, clock, telegram, viber))
    assert sorted(telegram.chats()) == ["telegram-0", "telegram-2"]
    assert viber.chats() == ["viber-1"]
    async with database.transaction() as session:
        dropped = await session.scalar(
            select(func.count())
            .select_from(Notice)
            .where(Notice.kind == "petition_answered", Notice.dropped_at.is_not(None))
        )
    # The author has no messenger account in this test: their notice is given up.
    assert dropped == 1
    assert all(ANSWER in text for _chat, text, _b in telegram.sent + viber.sent)


async def test_a_fan_out_no_module_declares_is_kept_and_reported(
    database: Database, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A fan-out whose audience no module declares (a module taken out) is neither
    expanded nor dropped, and the worker says so once in its log."""
    async with database.transaction() as session:
        owe_fan_out(session, audience="gone", kind="gone_kind", subject_id=1, now=clock.now())
    notifier = worker(database, clock, RecordingPusher("telegram"))
    with caplog.at_level(logging.ERROR):
        await drain(notifier)
        await drain(notifier)
    reports = [r for r in caplog.records if "no module declares 'gone'" in r.getMessage()]
    assert len(reports) == 1
    async with database.transaction() as session:
        kept = await session.scalar(select(FanOut))
        assert kept is not None
        assert kept.expanded_at is None
