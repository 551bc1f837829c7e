"""The notifier sends each owed notice once, to a reachable messenger, and never loses one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from bot.channels.base import PushOutcome
from bot.modules import product_modules
from bot.notifier import MAX_ATTEMPTS, Notifier
from civic.clock import FixedClock
from civic.deadlines import KYIV
from civic.information_requests import InformationRequests, RequestDraft
from handlers.replies import Reply
from storage import repositories as repo
from storage.db import Database
from storage.models import ChannelAccount, Notice
from tests.helpers import make_authority

BODY = "Прошу надати копію договору на ремонт дороги по вул. Шевченка за 2026 рік."


@dataclass
class RecordingPusher:
    """A messenger that records what it was asked to send and answers as told."""

    name: str
    outcome: PushOutcome = PushOutcome.DELIVERED
    sent: list[tuple[str, list[str]]] = field(default_factory=list)

    async def push(
        self, external_id: str, replies: Sequence[Reply], *, broadcast: bool = False
    ) -> PushOutcome:
        self.sent.append((external_id, [reply.text for reply in replies]))
        return self.outcome


async def _answered_request(database: Database, clock: FixedClock, *channels: str) -> None:
    """A citizen with an account on each of ``channels`` (the first filed) whose request
    was answered: one notice owed."""
    authority = await make_authority(database, clock.now())
    async with database.transaction() as session:
        first = await repo.lock_account(session, channels[0], "u-1", "uk", clock.now())
        for offset, channel in enumerate(channels[1:], start=1):
            other = await repo.lock_account(session, channel, f"u-{offset + 1}", "en", clock.now())
            other.citizen_id = first.citizen_id
        requests = InformationRequests(session)
        filed = await requests.file(
            RequestDraft(authority, BODY, "Олена Коваль"),
            first.citizen_id,
            channels[0],
            "uk",
            clock.now(),
        )
        await requests.answer(filed.request.id, "Копія договору додається.", clock.now())


async def _notice(database: Database) -> Notice:
    async with database.transaction() as session:
        return (await session.scalars(select(Notice))).one()


async def test_a_notice_is_sent_once_in_the_accounts_language(
    database: Database, clock: FixedClock
) -> None:
    """Delivered on the messenger the request came from, in Ukrainian, then marked sent."""
    await _answered_request(database, clock, "telegram")
    telegram = RecordingPusher("telegram")
    notifier = Notifier(database, clock, [telegram], KYIV, product_modules().notice_renderers)
    assert await notifier.run_once() == 1
    assert await notifier.run_once() == 0
    ((user, texts),) = telegram.sent
    assert user == "u-1"
    assert "Запит ЗІ-2026-000001" in texts[0]
    assert "Орган надав відповідь" in texts[0]
    assert (await _notice(database)).sent_at == clock.now()


async def test_an_unreachable_messenger_hands_the_notice_to_the_next(
    database: Database, clock: FixedClock
) -> None:
    """Blocked on Telegram: that account is marked unreachable and Viber gets the notice."""
    await _answered_request(database, clock, "telegram", "viber")
    telegram = RecordingPusher("telegram", PushOutcome.UNREACHABLE)
    viber = RecordingPusher("viber")
    notifier = Notifier(
        database, clock, [telegram, viber], KYIV, product_modules().notice_renderers
    )
    assert await notifier.run_once() == 0
    assert await notifier.run_once() == 1
    assert [user for user, _ in viber.sent] == ["u-2"]
    async with database.transaction() as session:
        reachable = await session.scalar(
            select(ChannelAccount.reachable).where(ChannelAccount.channel == "telegram")
        )
        assert reachable is False


async def test_failures_back_off_and_are_given_up_after_the_last_attempt(
    database: Database, clock: FixedClock
) -> None:
    """A messenger that keeps failing: retried after growing pauses, dropped at the end,
    the reason recorded."""
    await _answered_request(database, clock, "telegram")
    telegram = RecordingPusher("telegram", PushOutcome.FAILED)
    notifier = Notifier(database, clock, [telegram], KYIV, product_modules().notice_renderers)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await notifier.run_once() == 0
        assert await notifier.run_once() == 0, "not again before its back-off"
        assert len(telegram.sent) == attempt
        clock.at += timedelta(hours=1)
    notice = await _notice(database)
    assert notice.dropped_at is not None
    assert notice.attempts == MAX_ATTEMPTS
    assert notice.last_error == "telegram refused or failed"


async def test_a_citizen_without_a_reachable_messenger_has_the_notice_dropped_with_a_reason(
    database: Database, clock: FixedClock
) -> None:
    """Nothing to send on: the notice is dropped, not retried forever."""
    await _answered_request(database, clock, "viber")
    notifier = Notifier(
        database, clock, [RecordingPusher("telegram")], KYIV, product_modules().notice_renderers
    )
    assert await notifier.run_once() == 0
    notice = await _notice(database)
    assert notice.dropped_at == clock.now()
    assert notice.last_error == "no reachable account on a messenger we run"
