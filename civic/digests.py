"""The daily digest: low-priority broadcasts reach the citizens who asked for it once a
day, together in one message, instead of one message each.

Expansion holds their rows (``notice.in_digest``) until the next digest time; then the
worker claims an account's held rows together. The first waiting row of an account is
the digest's head: only a head is claimed (``SKIP LOCKED``), and with it the account's
other held rows, so two workers never split one citizen's digest; rows held after the
claim wait for the next head. Each row keeps its own outcome, so a broadcast's counts
stay exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import ChannelAccount, Notice
from storage.outbox_models import NotificationPreference

DEFAULT_TIME = time(18, 0)
# Broadcasts in one digest message at most; more wait for the next one.
MOST_IN_ONE = 10


def next_digest(now: datetime, zone: ZoneInfo, at: time = DEFAULT_TIME) -> datetime:
    """The first digest time (``at``, local in ``zone``) after ``now``."""
    local = now.astimezone(zone)
    moment = datetime.combine(local.date(), at, tzinfo=zone)
    if moment <= local:
        moment = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return moment.astimezone(now.tzinfo)


def _held(notice: type[Notice]) -> ColumnElement[bool]:
    # ``in_digest = true`` as the partial index ``ix_notice_waiting_digest`` spells it.
    return and_(notice.sent_at.is_(None), notice.dropped_at.is_(None), notice.in_digest == true())


@dataclass(frozen=True)
class HeldDigest:
    account: ChannelAccount | None
    announcements: bool | None  # None: no preference row (cannot happen with a digest)
    rows: Sequence[Notice]  # the head first


async def claim_digests(
    session: AsyncSession, now: datetime, limit: int, *, quiet_now: bool
) -> list[HeldDigest]:
    """Up to ``limit`` accounts' due digests, each with its held rows (at most
    ``MOST_IN_ONE``), locked for this transaction. During quiet hours only citizens who
    turned quiet hours off get theirs."""
    earlier = aliased(Notice)
    heads = (
        select(Notice.id)
        .join(NotificationPreference, NotificationPreference.citizen_id == Notice.citizen_id)
        .where(
            _held(Notice),
            Notice.send_after <= now,
            ~exists().where(
                earlier.account_id == Notice.account_id, _held(earlier), earlier.id < Notice.id
            ),
        )
        .order_by(Notice.account_id, Notice.id)
        .limit(limit)
        .with_for_update(of=Notice.__table__, skip_locked=True)
    )
    if quiet_now:
        heads = heads.where(NotificationPreference.quiet_hours.is_(False))
    head_ids = list(await session.scalars(heads))
    if not head_ids:
        return []
    head_rows = list(await session.scalars(select(Notice).where(Notice.id.in_(head_ids))))
    accounts = [row.account_id for row in head_rows]
    members = await session.scalars(
        select(Notice)
        .where(Notice.account_id.in_(accounts), _held(Notice), Notice.send_after <= now)
        .order_by(Notice.id)
        .with_for_update()
    )
    by_account: dict[int | None, list[Notice]] = {}
    for row in members:
        held = by_account.setdefault(row.account_id, [])
        if len(held) < MOST_IN_ONE:
            held.append(row)
    digests = []
    for head in sorted(head_rows, key=lambda row: row.id):
        account = await session.get(ChannelAccount, head.account_id) if head.account_id else None
        preference = await session.get(NotificationPreference, head.citizen_id)
        digests.append(
            HeldDigest(
                account,
                preference.announcements if preference else None,
                by_account.get(head.account_id, [head]),
            )
        )
    return digests
