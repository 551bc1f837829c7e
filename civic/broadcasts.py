"""Broadcasts: an official's announcement to everyone reachable, or to the followers of a
topic or a region, on chosen messengers and in chosen languages.

A broadcast is one row when it is made; the delivery worker expands it into one notice
row per recipient account, a batch at a time, keyed on ``channel_account.id`` (the
broadcast's ``expand_cursor``), so that expansion is resumable after a crash, memory stays
flat for millions, and the first messages leave while later batches are still expanded.
Each row ends with one outcome, and the broadcast's counts are those outcomes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from civic.outbox import NOTICE_COLUMNS
from civic.preferences import TOPICS
from civic.text import LengthRule, check_length
from storage.models import ChannelAccount, Notice
from storage.outbox_models import (
    Broadcast,
    BroadcastStatus,
    FollowedTopic,
    NotificationPreference,
)

BROADCAST_KIND = "broadcast"
LANGUAGES = ("uk", "en")
# Telegram's limit for one message (Viber allows more): a broadcast is one message.
TEXT_RULE = LengthRule(min_chars=2, max_chars=4000, min_letters=2)
# Accounts expanded into rows per step: one statement each, bounded memory.
EXPAND_BATCH = 5000


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"
    UNREACHABLE = "unreachable"  # blocked, unsubscribed: the account is marked too
    FAILED = "failed"  # given up after retries, reason in last_error
    OPTED_OUT = "opted_out"  # turned announcements off (before or during the broadcast)
    CANCELLED = "cancelled"  # the broadcast was cancelled before this row was sent


class BroadcastError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Audience:
    """Who a broadcast is for. Empty ``channels``/``languages``: all of them. With a
    ``topic`` or a ``region``, only citizens who follow it; without, everyone who has not
    turned announcements off."""

    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    region: str | None = None
    topic: str | None = None


@dataclass(frozen=True)
class BroadcastDraft:
    texts: Mapping[str, str]
    audience: Audience = field(default_factory=Audience)
    # News that may wait: citizens who chose the daily digest get it there.
    low_priority: bool = False


@dataclass(frozen=True)
class Progress:
    status: BroadcastStatus
    expanded: bool
    queued: int  # rows without an outcome yet
    counts: Mapping[str, int]  # outcome -> rows
    held: int = 0  # of the queued, those waiting for their citizens' daily digest

    @property
    def only_digests_left(self) -> bool:
        """Everything is sent but what waits for the evening's digests."""
        return self.expanded and self.queued > 0 and self.queued == self.held

    @property
    def total(self) -> int:
        return self.queued + sum(self.counts.values())

    def count(self, outcome: Outcome) -> int:
        return self.counts.get(outcome.value, 0)


def clean_texts(texts: Mapping[str, str]) -> dict[str, str]:
    """The texts per language, checked; Ukrainian is required (the fallback for all)."""
    cleaned = {
        language: check_length(text, TEXT_RULE)
        for language, text in texts.items()
        if language in LANGUAGES and text.strip()
    }
    if "uk" not in cleaned:
        raise BroadcastError("ukrainian_text_required")
    return cleaned


def _audience_filter(audience: Audience) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [ChannelAccount.reachable.is_(True)]
    if audience.channels:
        conditions.append(ChannelAccount.channel.in_(audience.channels))
    if audience.languages:
        conditions.append(ChannelAccount.locale.in_(audience.languages))
    if audience.topic is not None:
        conditions.append(
            exists().where(
                FollowedTopic.citizen_id == ChannelAccount.citizen_id,
                FollowedTopic.topic == audience.topic,
            )
        )
    if audience.region is not None:
        conditions.append(
            exists().where(
                NotificationPreference.citizen_id == ChannelAccount.citizen_id,
                NotificationPreference.region == audience.region,
            )
        )
    return and_(*conditions)


def _opted_out() -> ColumnElement[bool]:
    """The citizen turned announcements off (no preference row: they did not)."""
    return exists().where(
        NotificationPreference.citizen_id == ChannelAccount.citizen_id,
        NotificationPreference.announcements.is_(False),
    )


def _wants_digest() -> ColumnElement[bool]:
    """The citizen asked for low-priority news once a day, in a digest."""
    return exists().where(
        NotificationPreference.citizen_id == ChannelAccount.citizen_id,
        NotificationPreference.digest.is_(True),
    )


def audience_of(broadcast: Broadcast) -> Audience:
    return Audience(
        tuple(broadcast.channels), tuple(broadcast.languages), broadcast.region, broadcast.topic
    )


class Broadcasts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self,
        draft: BroadcastDraft,
        *,
        official_id: int | None,
        created_by: str,
        send_at: datetime,
        now: datetime,
    ) -> Broadcast:
        return await self._add(
            draft.audience,
            texts=clean_texts(draft.texts),
            official_id=official_id,
            created_by=created_by,
            low_priority=draft.low_priority,
            send_at=max(send_at, now),
            now=now,
        )

    async def announce(
        self,
        *,
        kind: str,
        subject_id: int,
        audience: Audience,
        created_by: str,
        now: datetime,
        low_priority: bool = False,
    ) -> Broadcast:
        """A module's announcement to an audience (a poll opened in a region): sent like
        an official's broadcast (preferences, quiet hours, the stop button, the counts),
        its text made by the module's renderer for notices of ``kind`` about
        ``subject_id``, in each citizen's language. Written in the transaction of the
        event it announces."""
        return await self._add(
            audience,
            texts={},
            official_id=None,
            created_by=created_by,
            low_priority=low_priority,
            send_at=now,
            now=now,
            notice_kind=kind,
            subject_id=subject_id,
        )

    async def _add(
        self,
        audience: Audience,
        *,
        texts: dict[str, str],
        official_id: int | None,
        created_by: str,
        low_priority: bool,
        send_at: datetime,
        now: datetime,
        notice_kind: str | None = None,
        subject_id: int | None = None,
    ) -> Broadcast:
        if any(language not in LANGUAGES for language in audience.languages):
            raise BroadcastError("unknown_language")
        if audience.topic is not None and audience.topic not in TOPICS:
            raise BroadcastError("unknown_topic")
        broadcast = Broadcast(
            created_at=now,
            official_id=official_id,
            created_by=created_by,
            texts=texts,
            channels=list(audience.channels),
            languages=list(audience.languages),
            region=audience.region,
            topic=audience.topic,
            low_priority=low_priority,
            notice_kind=notice_kind,
            subject_id=subject_id,
            send_at=send_at,
            status=BroadcastStatus.SCHEDULED,
            expand_cursor=0,
        )
        self.session.add(broadcast)
        await self.session.flush()
        return broadcast

    async def audience_sizes(self, audience: Audience) -> dict[str, int]:
        """Accounts per messenger the broadcast would reach now (opted-out ones left out)."""
        statement = (
            select(ChannelAccount.channel, func.count())
            .where(_audience_filter(audience), not_(_opted_out()))
            .group_by(ChannelAccount.channel)
        )
        rows = await self.session.execute(statement)
        return {channel: int(count) for channel, count in rows.all()}

    async def due(self, now: datetime) -> Sequence[Broadcast]:
        """Broadcasts whose time has come and whose expansion is not finished."""
        statement = select(Broadcast).where(
            or_(
                and_(Broadcast.status == BroadcastStatus.SCHEDULED, Broadcast.send_at <= now),
                and_(Broadcast.status == BroadcastStatus.SENDING, Broadcast.expanded_at.is_(None)),
            )
        )
        return (await self.session.scalars(statement.order_by(Broadcast.id))).all()

    async def expand_step(
        self,
        broadcast: Broadcast,
        now: datetime,
        batch: int = EXPAND_BATCH,
        *,
        digest_at: datetime | None = None,
    ) -> int:
        """Add the rows of the next ``batch`` audience accounts (opted-out ones with their
        outcome already; for a low-priority broadcast, those of citizens who chose the
        daily digest held until ``digest_at``); how many accounts were looked at (0:
        expansion is over). Called by the worker in its own transaction, so a crash
        between steps resumes after the cursor, and no account is added twice."""
        if broadcast.status is BroadcastStatus.SCHEDULED:
            broadcast.status = BroadcastStatus.SENDING
        audience = _audience_filter(audience_of(broadcast))
        window = (
            select(ChannelAccount.id)
            .where(ChannelAccount.id > broadcast.expand_cursor, audience)
            .order_by(ChannelAccount.id)
            .limit(batch)
            .subquery()
        )
        bounds = (await self.session.execute(select(func.count(), func.max(window.c.id)))).one()
        looked_at, last_id = int(bounds[0]), bounds[1]
        if not looked_at:
            broadcast.expanded_at = now
            return 0
        opted_out = _opted_out()
        if broadcast.low_priority and digest_at is not None:
            wants_digest = _wants_digest()
            now_rows = and_(not_(opted_out), not_(wants_digest))
            await self._insert_rows(broadcast, last_id, now, now_rows)
            held = and_(not_(opted_out), wants_digest)
            await self._insert_rows(broadcast, last_id, now, held, held_until=digest_at)
        else:
            await self._insert_rows(broadcast, last_id, now, not_(opted_out))
        await self._insert_rows(broadcast, last_id, now, opted_out, outcome=Outcome.OPTED_OUT)
        broadcast.expand_cursor = int(last_id)
        return looked_at

    async def _insert_rows(
        self,
        broadcast: Broadcast,
        last_id: int,
        now: datetime,
        which: ColumnElement[bool],
        *,
        outcome: Outcome | None = None,
        held_until: datetime | None = None,
    ) -> None:
        """Rows for the audience accounts after the cursor up to ``last_id`` that match
        ``which``: due now, or held for the digest until ``held_until``, or already ended
        with ``outcome``."""
        audience = _audience_filter(audience_of(broadcast))
        columns = Notice.__table__.c
        # An official's broadcast is rendered from its own texts (subject: itself); a
        # module's announcement by the module's renderer of its kind and subject.
        kind = broadcast.notice_kind or BROADCAST_KIND
        subject_id = broadcast.subject_id if broadcast.notice_kind else broadcast.id
        chosen = select(
            ChannelAccount.citizen_id,
            ChannelAccount.channel,
            literal(kind),
            literal(subject_id),
            literal({}, type_=columns.payload.type),
            literal(now, type_=columns.created_at.type),
            literal(held_until or now, type_=columns.send_after.type),
            literal(0),
            literal(broadcast.id),
            ChannelAccount.id,
            literal(outcome.value if outcome else None, type_=Notice.outcome.type),
            literal(now if outcome else None, type_=columns.dropped_at.type),
            literal(held_until is not None, type_=columns.in_digest.type),
        ).where(
            ChannelAccount.id > broadcast.expand_cursor,
            ChannelAccount.id <= last_id,
            audience,
            which,
        )
        await self.session.execute(
            insert(Notice).from_select(
                [
                    *NOTICE_COLUMNS,
                    "broadcast_id",
                    "account_id",
                    "outcome",
                    "dropped_at",
                    "in_digest",
                ],
                chosen,
            )
        )

    async def progress(self, broadcast_id: int) -> Progress:
        broadcast = await self.session.get(Broadcast, broadcast_id)
        if broadcast is None:
            raise BroadcastError("not_found")
        rows = await self.session.execute(
            select(Notice.outcome, Notice.in_digest, func.count())
            .where(Notice.broadcast_id == broadcast_id)
            .group_by(Notice.outcome, Notice.in_digest)
        )
        counts: dict[str, int] = {}
        queued = held = 0
        for outcome, in_digest, count in rows.all():
            if outcome is None:
                queued += int(count)
                held += int(count) if in_digest else 0
            else:
                counts[str(outcome)] = counts.get(str(outcome), 0) + int(count)
        expanded = broadcast.expanded_at is not None
        return Progress(broadcast.status, expanded, queued, counts, held)

    async def recent_rate(self, broadcast_id: int, now: datetime, seconds: int = 60) -> float:
        """Messages delivered per second over the last ``seconds`` (its rows' ``sent_at``):
        the pace to tell how long the rest will take."""
        delivered = await self.session.scalar(
            select(func.count())
            .select_from(Notice)
            .where(
                Notice.broadcast_id == broadcast_id,
                Notice.outcome == Outcome.DELIVERED.value,
                Notice.sent_at > now - timedelta(seconds=seconds),
                Notice.sent_at <= now,
            )
        )
        return int(delivered or 0) / seconds

    async def finish_if_done(self, broadcast: Broadcast, now: datetime) -> bool:
        """Mark an expanded broadcast done once no row waits."""
        if broadcast.status is not BroadcastStatus.SENDING or broadcast.expanded_at is None:
            return False
        # Whether any row waits, not how many: the first one found is enough.
        waiting = await self.session.scalar(
            select(exists().where(Notice.broadcast_id == broadcast.id, Notice.outcome.is_(None)))
        )
        if waiting:
            return False
        broadcast.status = BroadcastStatus.DONE
        broadcast.finished_at = now
        return True

    async def cancel(self, broadcast_id: int, now: datetime) -> Broadcast:
        """Stop it: rows not sent yet end as cancelled, the expansion stops."""
        broadcast = await self.session.get(Broadcast, broadcast_id, with_for_update=True)
        if broadcast is None:
            raise BroadcastError("not_found")
        if broadcast.status in (BroadcastStatus.DONE, BroadcastStatus.CANCELLED):
            raise BroadcastError("not_running")
        broadcast.status = BroadcastStatus.CANCELLED
        broadcast.cancelled_at = now
        broadcast.expanded_at = broadcast.expanded_at or now
        await self.session.execute(
            update(Notice)
            .where(
                Notice.broadcast_id == broadcast_id,
                Notice.outcome.is_(None),
                Notice.sent_at.is_(None),
            )
            .values(outcome=Outcome.CANCELLED.value, dropped_at=now)
        )
        return broadcast
