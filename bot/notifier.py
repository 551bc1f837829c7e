"""Sending the outbox's notices: each to the citizen's messenger, in their language.

A notice is written in the same transaction as the change it reports (civic rules), so
none is lost. Sending, step by step:

1. Claim a batch of due notices (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
   processes share the work). Each claimed notice gets an attempt counted and a lease:
   it is not due again for ``LEASE`` unless we record the outcome first.
2. For each, pick the account: a reachable account of the citizen on a messenger we run,
   the one the notice names first. Render the text in that account's language, with the
   renderer the module that writes notices of that kind registered.
3. Push it outside any transaction, then record the outcome:
   - delivered: ``sent_at``;
   - unreachable: the account is marked unreachable and the notice is due again at once,
     for the next account;
   - failed: due again after a back-off, given up after ``MAX_ATTEMPTS``.

No reachable account means the notice is dropped, and the reason is recorded. A process
that dies between pushing and recording sends that notice again once the lease ends:
delivery is at least once, never silently lost.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Pusher, PushOutcome
from bot.outbox import drain_forever
from civic.clock import Clock
from handlers.outbox import NoticeRenderer
from handlers.replies import Reply
from handlers.texts import Texts
from storage.db import Database
from storage.models import ChannelAccount, Notice

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
BATCH = 50


def back_off(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, 8 min, ... between tries."""
    return timedelta(seconds=30 * 2 ** max(0, attempts - 1))


@dataclass(frozen=True, slots=True)
class _Job:
    notice_id: int
    account_id: int
    channel: str
    external_id: str
    replies: list[Reply]


class Notifier:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        pushers: Sequence[Pusher],
        zone: ZoneInfo,
        renderers: Mapping[str, NoticeRenderer],
    ) -> None:
        self.database = database
        self.clock = clock
        self.pushers: Mapping[str, Pusher] = {pusher.name: pusher for pusher in pushers}
        self.zone = zone
        self.renderers = renderers

    async def run_once(self) -> int:
        """Send the notices that are due now; how many were delivered."""
        jobs = await self._claim()
        delivered = 0
        for job in jobs:
            outcome = await self.pushers[job.channel].push(job.external_id, job.replies)
            await self._record(job, outcome)
            delivered += outcome is PushOutcome.DELIVERED
        return delivered

    async def run_forever(self, interval_seconds: float) -> None:
        await drain_forever(self.run_once, interval_seconds, "notices")

    async def _claim(self) -> list[_Job]:
        now = self.clock.now()
        jobs: list[_Job] = []
        async with self.database.transaction() as session:
            statement = (
                select(Notice)
                .where(
                    Notice.sent_at.is_(None),
                    Notice.dropped_at.is_(None),
                    Notice.send_after <= now,
                )
                .order_by(Notice.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
            for notice in (await session.execute(statement)).scalars():
                account = await self._account_for(session, notice)
                if account is None:
                    notice.dropped_at = now
                    notice.last_error = "no reachable account on a messenger we run"
                    continue
                render = self.renderers.get(notice.kind)
                if render is None:
                    notice.dropped_at = now
                    notice.last_error = f"no module renders notices of kind {notice.kind!r}"
                    continue
                replies = await render(session, notice, Texts(account.locale, self.zone))
                if replies is None:
                    notice.dropped_at = now
                    notice.last_error = "what the notice is about no longer exists"
                    continue
                notice.attempts += 1
                notice.send_after = now + LEASE
                jobs.append(
                    _Job(notice.id, account.id, account.channel, account.external_id, replies)
                )
        return jobs

    async def _account_for(self, session: AsyncSession, notice: Notice) -> ChannelAccount | None:
        statement = select(ChannelAccount).where(
            ChannelAccount.citizen_id == notice.citizen_id,
            ChannelAccount.reachable.is_(True),
            ChannelAccount.channel.in_(list(self.pushers)),
        )
        accounts = list((await session.execute(statement)).scalars())
        accounts.sort(key=lambda a: (a.channel != notice.channel, -a.last_seen_at.timestamp()))
        return accounts[0] if accounts else None

    async def _record(self, job: _Job, outcome: PushOutcome) -> None:
        now = self.clock.now()
        async with self.database.transaction() as session:
            notice = await session.get(Notice, job.notice_id)
            if notice is None:
                return
            if outcome is PushOutcome.DELIVERED:
                notice.sent_at = now
                return
            if outcome is PushOutcome.UNREACHABLE:
                account = await session.get(ChannelAccount, job.account_id)
                if account is not None:
                    account.reachable = False
                    account.unreachable_at = now
                notice.send_after = now  # at once, to the next account if there is one
                notice.last_error = f"{job.channel} user unreachable"
                return
            notice.last_error = f"{job.channel} refused or failed"
            if notice.attempts >= MAX_ATTEMPTS:
                notice.dropped_at = now
                log.error("notice %s given up after %s attempts", notice.id, notice.attempts)
            else:
                notice.send_after = now + back_off(notice.attempts)
