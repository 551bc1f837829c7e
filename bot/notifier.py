"""The outbox's chat deliveries: a citizen's notices and broadcasts' rows, each to a
messenger, in the recipient's language, within the messengers' limits.

A row is written in the transaction of the change it reports (civic rules), or by the
expansion of a broadcast (``civic.broadcasts``), so none is lost. One pass:

1. Expand each due broadcast and each fan-out (an event's notices to many, such as a
   petition's answer to its signers: ``civic.fan_outs``) by one batch (resumable: the
   cursor moves in the same transaction as the rows it adds; the broadcast or fan-out row
   is locked so that two workers never expand the same batch). A low-priority
   broadcast's rows for citizens who chose the daily digest are held until the next
   digest time.
2. Claim up to ``BATCH`` due rows: a citizen's own notices first, then broadcast rows,
   then due digests (an account's held rows together, ``civic.digests``) (``FOR UPDATE
   SKIP LOCKED`` on PostgreSQL, so several workers share the outbox; one writer on
   SQLite). During quiet hours broadcast rows and digests wait, except for citizens who
   turned quiet hours off. Each claimed row gets an attempt counted and a lease: it is not
   due again for ``LEASE`` unless its outcome is recorded first.
3. Send them concurrently, each when ``SendingLimits`` lets it leave (the messenger's rate,
   one a second per chat, a pause after a 429). A broadcast's rows for a messenger that
   sends one message to many in a call (``BroadcastPusher``: Viber) go in groups of the
   same message, one call per ``BATCH`` rows at that call's own rate; a message to a chat
   that has had its hourly cap (Viber: 100, counted since the user last wrote) is put off
   until the chat has room, without an attempt counted and without holding the batch.
   Outcomes are recorded in small groups as they come:
   - delivered: ``sent_at`` (and ``outcome``);
   - unreachable: the account is marked unreachable; a notice is due again at once for the
     citizen's other messenger, a broadcast row ends as ``unreachable``;
   - rate limited: the messenger is paused for ``retry_after``, the row is due again then,
     and the attempt does not count;
   - failed: due again after a back-off, given up after ``MAX_ATTEMPTS`` (``failed``).

A worker killed mid-pass re-sends, after the lease, only the rows it had claimed and not
yet recorded: at most one batch is sent twice, nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import false, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import BroadcastPusher, Pusher, PushOutcome, PushResult, RateLimited
from bot.outbox import run_logged
from bot.sending_limits import SendingLimits
from civic.broadcasts import Broadcasts, Outcome
from civic.clock import Clock
from civic.digests import DEFAULT_TIME, HeldDigest, claim_digests, next_digest
from civic.fan_outs import Audience as FanOutAudience
from civic.fan_outs import FanOuts, UnknownAudience
from civic.quiet_hours import QuietHours
from handlers.notifications import digest_replies
from handlers.outbox import NoticeRenderer
from handlers.replies import Reply
from handlers.texts import Texts
from storage.db import Database
from storage.models import ChannelAccount, Notice
from storage.outbox_models import Broadcast, BroadcastStatus, FanOut, NotificationPreference

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
# Rows claimed at once: Viber's broadcast call takes up to 300 receivers, and a worker
# killed mid-batch sends at most this many twice.
BATCH = 300
# Rows ``run_forever`` claims at a time, up to BATCH in flight: the next chunk is claimed
# while the others are being sent, so claiming costs no sending time. (A Viber broadcast
# call then carries up to this many receivers.)
CHUNK = 100
# Outcomes are written at least this often while a batch is being sent.
RECORD_EVERY_SECONDS = 0.5
DEFAULT_RATE = 25.0


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
    broadcast: bool
    # Rows with the same key get the same message: (broadcast id, locale).
    message_key: tuple[int, str] | None = None
    # A digest's other rows: one message, and its outcome is theirs too.
    together_with: tuple[int, ...] = ()
    # Seconds since the citizen last wrote on this account (a messenger's hourly cap
    # starts over then).
    replied_ago: float | None = None

    @property
    def notice_ids(self) -> tuple[int, ...]:
        return (self.notice_id, *self.together_with)


def _job(
    account: ChannelAccount,
    notice_id: int,
    replies: list[Reply],
    now: datetime,
    *,
    broadcast: bool,
    message_key: tuple[int, str] | None = None,
    together_with: tuple[int, ...] = (),
) -> _Job:
    wrote = account.last_seen_at
    return _Job(
        notice_id,
        account.id,
        account.channel,
        account.external_id,
        replies,
        broadcast,
        message_key,
        together_with,
        None if wrote is None else max((now - wrote).total_seconds(), 0.0),
    )


class Notifier:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        pushers: Sequence[Pusher],
        zone: ZoneInfo,
        renderers: Mapping[str, NoticeRenderer],
        *,
        limits: SendingLimits | None = None,
        quiet: QuietHours | None = None,
        batch: int = BATCH,
        fan_outs: Mapping[str, FanOutAudience] | None = None,
        digest_time: time | None = DEFAULT_TIME,
    ) -> None:
        self.database = database
        self.clock = clock
        self.pushers: Mapping[str, Pusher] = {pusher.name: pusher for pusher in pushers}
        self.zone = zone
        self.renderers = renderers
        self.limits = limits or SendingLimits(dict.fromkeys(self.pushers, DEFAULT_RATE))
        self.quiet = quiet
        self.batch = batch
        self.fan_outs: Mapping[str, FanOutAudience] = fan_outs or {}
        self.digest_time = digest_time
        self._unknown_audiences: set[str] = set()

    async def run_once(self) -> int:
        """One pass; how many messages were delivered plus broadcast accounts expanded
        (0: nothing more can be done now, so the caller may wait)."""
        expanded = await self._expand()
        jobs, _claimed = await self._claim()
        delivered = await self._send(jobs) if jobs else 0
        await self._finish_broadcasts()
        return expanded + delivered

    async def run_forever(self, interval_seconds: float) -> None:
        """Keep the messengers busy: claim a chunk of ``CHUNK`` rows whenever fewer than
        the batch are in flight, and send each chunk as it comes, so the next rows are
        claimed while the last ones are still being sent (passes that claim a whole batch
        each fall into step and leave the messenger idle while they all claim). At most
        a batch is claimed and unrecorded at any time, so a killed worker re-sends at
        most that. When nothing is due, wait ``interval_seconds``."""
        free = asyncio.Semaphore(max(1, self.batch // CHUNK))
        sending: set[asyncio.Task[None]] = set()
        while True:
            await free.acquire()
            try:
                expanded = await self._expand()
                jobs, claimed = await self._claim(CHUNK)
            except Exception:
                free.release()
                log.exception("claiming notices failed; retrying in %s s", interval_seconds)
                await asyncio.sleep(interval_seconds)
                continue
            if jobs:
                task = asyncio.create_task(self._send_chunk(jobs, free))
                sending.add(task)
                task.add_done_callback(sending.discard)
                continue
            free.release()
            if not (expanded or claimed):
                await run_logged(self._finish_broadcasts, "broadcasts")
                await asyncio.sleep(interval_seconds)

    async def _send_chunk(self, jobs: Sequence[_Job], free: asyncio.Semaphore) -> None:
        try:
            await self._send(jobs)
            await self._finish_broadcasts()
        except Exception:
            log.exception("sending notices failed")
        finally:
            free.release()

    # --- broadcasts and fan-outs: expansion and completion -----------------------------

    async def _expand(self) -> int:
        return await self._expand_broadcasts() + await self._expand_fan_outs()

    async def _expand_fan_outs(self) -> int:
        async with self.database.transaction() as session:
            waiting = await FanOuts(session, self.fan_outs).waiting()
        expanded = 0
        for fan_out_id in waiting:
            async with self.database.transaction() as session:
                fan_out = await session.get(
                    FanOut, fan_out_id, with_for_update={"skip_locked": True}
                )
                if fan_out is None or fan_out.expanded_at is not None:
                    continue
                try:
                    added = await FanOuts(session, self.fan_outs).expand_step(
                        fan_out, self.clock.now()
                    )
                except UnknownAudience:
                    # Kept, not dropped: the module may be back after a deployment.
                    if fan_out.audience not in self._unknown_audiences:
                        log.error("fan-out %s: no module declares %r", fan_out_id, fan_out.audience)
                        self._unknown_audiences.add(fan_out.audience)
                    continue
                expanded += added
        return expanded

    async def _expand_broadcasts(self) -> int:
        now = self.clock.now()
        async with self.database.transaction() as session:
            due = [broadcast.id for broadcast in await Broadcasts(session).due(now)]
        digest_at = (
            next_digest(now, self.zone, self.digest_time) if self.digest_time is not None else None
        )
        expanded = 0
        for broadcast_id in due:
            async with self.database.transaction() as session:
                broadcast = await session.get(
                    Broadcast, broadcast_id, with_for_update={"skip_locked": True}
                )
                if broadcast is None or broadcast.status not in (
                    BroadcastStatus.SCHEDULED,
                    BroadcastStatus.SENDING,
                ):
                    continue
                expanded += await Broadcasts(session).expand_step(
                    broadcast, now, digest_at=digest_at
                )
        return expanded

    async def _finish_broadcasts(self) -> None:
        now = self.clock.now()
        async with self.database.transaction() as session:
            running = await session.scalars(
                select(Broadcast).where(
                    Broadcast.status == BroadcastStatus.SENDING,
                    Broadcast.expanded_at.is_not(None),
                )
            )
            rules = Broadcasts(session)
            for broadcast in running.all():
                await rules.finish_if_done(broadcast, now)

    # --- claiming ---------------------------------------------------------------------

    async def _claim(self, limit: int | None = None) -> tuple[list[_Job], int]:
        """The jobs of up to ``limit`` (default: the batch) rows claimed and leased now,
        and how many rows were claimed (some end at once: unreachable, opted out)."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            # Rows given up while claiming are written once, at the end, not one
            # statement each as every later read would otherwise flush them.
            with session.no_autoflush:
                jobs, claimed = await self._claimed_jobs(session, now, limit or self.batch)
            leased = [notice_id for job in jobs for notice_id in job.notice_ids]
            if leased:
                await session.execute(
                    update(Notice)
                    .where(Notice.id.in_(leased))
                    .values(attempts=Notice.attempts + 1, send_after=now + LEASE)
                    .execution_options(synchronize_session=False)
                )
        return jobs, claimed

    async def _claimed_jobs(
        self, session: AsyncSession, now: datetime, limit: int
    ) -> tuple[list[_Job], int]:
        """The jobs of the rows claimed now (not leased yet: ``_claim`` leases them all in
        one statement), and how many rows were claimed."""
        jobs: list[_Job] = []
        own = await self._due(session, now, limit=limit)
        for notice in own:
            job = await self._own_job(session, notice, now)
            if job is not None:
                jobs.append(job)
        room = limit - len(own)
        if room > 0:
            rows = await self._due_broadcast_rows(session, now, room)
            for notice, account, announcements in rows:
                job = await self._broadcast_job(session, notice, account, announcements, now)
                if job is not None:
                    jobs.append(job)
            room -= len(rows)
        if room > 0:
            quiet_now = self.quiet is not None and self.quiet.contains(now, self.zone)
            for held in await claim_digests(session, now, room, quiet_now=quiet_now):
                job = await self._digest_job(session, held, now)
                if job is not None:
                    jobs.append(job)
                room -= len(held.rows)
        return jobs, limit - room

    async def _due(self, session: AsyncSession, now: datetime, *, limit: int) -> list[Notice]:
        """A citizen's own notices that are due, oldest first."""
        statement = (
            select(Notice)
            .where(
                Notice.sent_at.is_(None),
                Notice.dropped_at.is_(None),
                Notice.broadcast_id.is_(None),
                Notice.send_after <= now,
            )
            .order_by(Notice.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await session.execute(statement)).scalars())

    async def _due_broadcast_rows(
        self, session: AsyncSession, now: datetime, limit: int
    ) -> list[tuple[Notice, ChannelAccount | None, bool | None]]:
        """Broadcast rows that are due, with their account and whether the citizen wants
        announcements (None: no preference row, so yes), in one statement."""
        statement = (
            select(Notice, ChannelAccount, NotificationPreference.announcements)
            .outerjoin(ChannelAccount, ChannelAccount.id == Notice.account_id)
            .outerjoin(
                NotificationPreference, NotificationPreference.citizen_id == Notice.citizen_id
            )
            .where(
                Notice.sent_at.is_(None),
                Notice.dropped_at.is_(None),
                Notice.broadcast_id.is_not(None),
                Notice.in_digest == false(),
                Notice.send_after <= now,
            )
        )
        if self.quiet is not None and self.quiet.contains(now, self.zone):
            # News waits for the morning, except for those who asked for it at night.
            statement = statement.where(NotificationPreference.quiet_hours.is_(False))
        statement = (
            statement.order_by(Notice.id)
            .limit(limit)
            .with_for_update(of=Notice.__table__, skip_locked=True)
        )
        rows = await session.execute(statement)
        return [(notice, account, wanted) for notice, account, wanted in rows.all()]

    async def _own_job(self, session: AsyncSession, notice: Notice, now: datetime) -> _Job | None:
        account = await self._account_for(session, notice)
        if account is None:
            return self._drop(notice, now, "no reachable account on a messenger we run")
        replies = await self._render(session, notice, account)
        if replies is None:
            return None
        return _job(account, notice.id, replies, now, broadcast=False)

    async def _broadcast_job(
        self,
        session: AsyncSession,
        notice: Notice,
        account: ChannelAccount | None,
        announcements: bool | None,
        now: datetime,
    ) -> _Job | None:
        if account is None or not account.reachable or account.channel not in self.pushers:
            return self._drop(notice, now, "account unreachable", Outcome.UNREACHABLE)
        # One query per broadcast in a batch: the session keeps what it has loaded.
        broadcast = await session.get(Broadcast, notice.broadcast_id)
        if broadcast is None or broadcast.status is BroadcastStatus.CANCELLED:
            return self._drop(notice, now, "broadcast cancelled", Outcome.CANCELLED)
        if announcements is False:
            return self._drop(notice, now, "turned announcements off", Outcome.OPTED_OUT)
        replies = await self._render(session, notice, account)
        if replies is None:
            return None
        return _job(
            account,
            notice.id,
            replies,
            now,
            broadcast=True,
            message_key=(broadcast.id, account.locale),
        )

    async def _digest_job(
        self, session: AsyncSession, held: HeldDigest, now: datetime
    ) -> _Job | None:
        account = held.account
        if account is None or not account.reachable or account.channel not in self.pushers:
            for row in held.rows:
                self._drop(row, now, "account unreachable", Outcome.UNREACHABLE)
            return None
        if held.announcements is False:
            for row in held.rows:
                self._drop(row, now, "turned announcements off", Outcome.OPTED_OUT)
            return None
        # Each row as it would come alone (an official's text, a module's announcement),
        # then together; a row whose subject is gone is dropped by ``_render``.
        texts, rows = [], []
        for row in held.rows:
            alone = await self._render(session, row, account)
            if alone is not None:
                texts.append("\n\n".join(reply.text for reply in alone))
                rows.append(row)
        if not rows:
            return None
        replies = digest_replies(texts, Texts(account.locale, self.zone))
        head, *rest = rows
        together_with = tuple(row.id for row in rest)
        return _job(account, head.id, replies, now, broadcast=True, together_with=together_with)

    async def _render(
        self, session: AsyncSession, notice: Notice, account: ChannelAccount
    ) -> list[Reply] | None:
        render = self.renderers.get(notice.kind)
        if render is None:
            self._drop(notice, self.clock.now(), f"no module renders {notice.kind!r}")
            return None
        replies = await render(session, notice, Texts(account.locale, self.zone))
        if replies is None:
            self._drop(notice, self.clock.now(), "what the notice is about no longer exists")
        return replies

    @staticmethod
    def _drop(
        notice: Notice, now: datetime, reason: str, outcome: Outcome = Outcome.FAILED
    ) -> None:
        notice.dropped_at = now
        notice.outcome = outcome.value
        notice.last_error = reason

    async def _account_for(self, session: AsyncSession, notice: Notice) -> ChannelAccount | None:
        statement = select(ChannelAccount).where(
            ChannelAccount.citizen_id == notice.citizen_id,
            ChannelAccount.reachable.is_(True),
            ChannelAccount.channel.in_(list(self.pushers)),
        )
        accounts = list((await session.execute(statement)).scalars())
        accounts.sort(key=lambda a: (a.channel != notice.channel, -a.last_seen_at.timestamp()))
        return accounts[0] if accounts else None

    # --- sending and recording --------------------------------------------------------

    async def _send(self, jobs: Sequence[_Job]) -> int:
        done: list[tuple[_Job, PushResult]] = []
        delivered = 0

        def finished(job: _Job, result: PushResult) -> None:
            nonlocal delivered
            delivered += result is PushOutcome.DELIVERED
            done.append((job, result))

        def room_this_hour(job: _Job) -> bool:
            """A message to a chat whose hour is full is put off, not waited for."""
            wait = self.limits.hour_wait(job.channel, job.external_id, job.replied_ago)
            if wait > 0:
                finished(job, RateLimited(wait))
            return wait <= 0

        async def one(job: _Job) -> None:
            if not room_this_hour(job):
                return
            await self.limits.slot(job.channel, job.external_id)
            pusher = self.pushers[job.channel]
            result = await pusher.push(job.external_id, job.replies, broadcast=job.broadcast)
            if isinstance(result, RateLimited):
                log.warning("%s asks to wait %ss", job.channel, result.retry_after)
                self.limits.pause(job.channel, result.retry_after)
            finished(job, result)

        async def together(pusher: BroadcastPusher, group: list[_Job]) -> None:
            group = [job for job in group if room_this_hour(job)]
            if not group:
                return
            await self.limits.call_slot(f"{pusher.name}:broadcast")
            results = await pusher.push_many([job.external_id for job in group], group[0].replies)
            for job in group:
                finished(job, results.get(job.external_id, PushOutcome.FAILED))

        singles, groups = self._one_message_groups(jobs)
        sending = asyncio.gather(
            *(one(job) for job in singles),
            *(together(pusher, group) for pusher, group in groups),
        )
        while not sending.done():
            await asyncio.wait([sending], timeout=RECORD_EVERY_SECONDS)
            if done:
                batch, done[:] = list(done), []
                await self._record(batch)
        await sending  # re-raises a failure of our own code
        if done:
            await self._record(done)
        return delivered

    def _one_message_groups(
        self, jobs: Sequence[_Job]
    ) -> tuple[list[_Job], list[tuple[BroadcastPusher, list[_Job]]]]:
        """The jobs sent one by one, and the broadcast rows for a ``BroadcastPusher`` in
        groups of at most ``BATCH`` with the same message (a broadcast has one row per
        account, so no chat is in a group twice)."""
        singles: list[_Job] = []
        same_message: dict[tuple[str, tuple[int, str]], list[_Job]] = {}
        for job in jobs:
            if job.message_key is None or not isinstance(
                self.pushers[job.channel], BroadcastPusher
            ):
                singles.append(job)
            else:
                same_message.setdefault((job.channel, job.message_key), []).append(job)
        groups = []
        for (channel, _key), rows in same_message.items():
            pusher = cast(BroadcastPusher, self.pushers[channel])
            groups += [(pusher, rows[at : at + BATCH]) for at in range(0, len(rows), BATCH)]
        return singles, groups

    async def _record(self, results: Sequence[tuple[_Job, PushResult]]) -> None:
        now = self.clock.now()
        delivered = [
            notice_id
            for job, result in results
            if result is PushOutcome.DELIVERED
            for notice_id in job.notice_ids
        ]
        async with self.database.transaction() as session:
            if delivered:
                # Most outcomes, in one statement.
                await session.execute(
                    update(Notice)
                    .where(Notice.id.in_(delivered))
                    .values(sent_at=now, outcome=Outcome.DELIVERED.value)
                    .execution_options(synchronize_session=False)
                )
            for job, result in results:
                if result is PushOutcome.DELIVERED:
                    continue
                for notice_id in job.notice_ids:
                    notice = await session.get(Notice, notice_id)
                    if notice is not None:
                        await self._record_one(session, notice, job, result, now)

    async def _record_one(
        self,
        session: AsyncSession,
        notice: Notice,
        job: _Job,
        result: PushResult,
        now: datetime,
    ) -> None:
        # Delivered rows are recorded together by ``_record``.
        if isinstance(result, RateLimited):
            # Not the message's fault: due again when the messenger allows, not counted.
            notice.attempts -= 1
            notice.send_after = now + timedelta(seconds=result.retry_after)
            return
        if result is PushOutcome.UNREACHABLE:
            account = await session.get(ChannelAccount, job.account_id)
            if account is not None:
                account.reachable = False
                account.unreachable_at = now
            notice.last_error = f"{job.channel} user unreachable"
            if job.broadcast:
                notice.dropped_at = now
                notice.outcome = Outcome.UNREACHABLE.value
            else:
                notice.send_after = now  # at once, to the next account if there is one
            return
        notice.last_error = f"{job.channel} refused or failed"
        if notice.attempts >= MAX_ATTEMPTS:
            notice.dropped_at = now
            notice.outcome = Outcome.FAILED.value
            log.error("notice %s given up after %s attempts", notice.id, notice.attempts)
        else:
            notice.send_after = now + back_off(notice.attempts)
