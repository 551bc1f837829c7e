"""What each citizen asked to receive: announcements at all, quiet hours, the topics and
the region they follow, and whether less urgent news comes once a day in a digest.
Notices about their own affairs are not theirs to turn off: a petition's answer or a
request's deadline always reaches them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Update, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Authority, Notice
from storage.outbox_models import FollowedTopic, NotificationPreference

# The topics a citizen may follow and a broadcast may be about (their names in the chat
# come from the catalogs: handlers/notifications.py).
TOPICS = (
    "transport",
    "roads",
    "utilities",
    "ecology",
    "education",
    "health",
    "safety",
    "culture",
)


def _waiting_broadcast_rows(citizen_id: int) -> Update:
    """An update of the citizen's broadcast rows not sent or ended yet."""
    return update(Notice).where(
        Notice.citizen_id == citizen_id,
        Notice.broadcast_id.is_not(None),
        Notice.sent_at.is_(None),
        Notice.dropped_at.is_(None),
    )


class Preferences:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, citizen_id: int, now: datetime) -> NotificationPreference:
        """The citizen's row, made with the defaults when they have none yet."""
        found = await self.session.get(NotificationPreference, citizen_id)
        if found is None:
            found = NotificationPreference(
                citizen_id=citizen_id,
                announcements=True,
                quiet_hours=True,
                digest=False,
                updated_at=now,
            )
            self.session.add(found)
            await self.session.flush()
        return found

    async def set_announcements(self, citizen_id: int, wanted: bool, now: datetime) -> None:
        """On or off at once: broadcasts' rows still waiting for this citizen are not sent
        (the worker also checks when it sends, for rows expanded later)."""
        preference = await self.of(citizen_id, now)
        preference.announcements = wanted
        preference.updated_at = now
        if not wanted:
            await self.session.execute(
                _waiting_broadcast_rows(citizen_id).values(
                    outcome="opted_out", dropped_at=now, last_error="turned announcements off"
                )
            )

    async def set_digest(self, citizen_id: int, wanted: bool, now: datetime) -> None:
        """Low-priority news once a day, or one by one; turned off, what is held for the
        digest is released to be sent now (subject to quiet hours)."""
        preference = await self.of(citizen_id, now)
        preference.digest = wanted
        preference.updated_at = now
        if not wanted:
            held = _waiting_broadcast_rows(citizen_id).where(Notice.in_digest.is_(True))
            await self.session.execute(held.values(in_digest=False, send_after=now))

    async def set_quiet_hours(self, citizen_id: int, wanted: bool, now: datetime) -> None:
        preference = await self.of(citizen_id, now)
        preference.quiet_hours = wanted
        preference.updated_at = now

    async def toggle_topic(self, citizen_id: int, topic: str, now: datetime) -> bool:
        """Follow ``topic``, or stop following it; whether it is followed now."""
        if topic not in TOPICS:
            raise ValueError(topic)
        followed = await self.session.get(FollowedTopic, (citizen_id, topic))
        if followed is None:
            self.session.add(FollowedTopic(citizen_id=citizen_id, topic=topic))
        else:
            await self.session.delete(followed)
        (await self.of(citizen_id, now)).updated_at = now
        await self.session.flush()
        return followed is None

    async def set_region(self, citizen_id: int, region: str | None, now: datetime) -> None:
        preference = await self.of(citizen_id, now)
        preference.region = region
        preference.updated_at = now

    async def regions(self) -> list[str]:
        """The regions one may follow: those of the directory's authorities, by name."""
        statement = select(Authority.region).where(Authority.region.is_not(None)).distinct()
        return sorted(str(region) for region in await self.session.scalars(statement))

    async def topics(self, citizen_id: int) -> list[str]:
        rows = await self.session.scalars(
            select(FollowedTopic.topic)
            .where(FollowedTopic.citizen_id == citizen_id)
            .order_by(FollowedTopic.topic)
        )
        return list(rows.all())


async def merge_step(session: AsyncSession, source_id: int, target_id: int) -> None:
    """The merged citizen keeps the target's preferences where both have them (the one
    they use now), the source's otherwise; followed topics are united."""
    source = await session.get(NotificationPreference, source_id)
    if source is not None:
        if await session.get(NotificationPreference, target_id) is None:
            await session.execute(
                update(NotificationPreference)
                .where(NotificationPreference.citizen_id == source_id)
                .values(citizen_id=target_id)
            )
        else:
            await session.delete(source)
    kept = set(
        await session.scalars(
            select(FollowedTopic.topic).where(FollowedTopic.citizen_id == target_id)
        )
    )
    moving = list(
        await session.scalars(
            select(FollowedTopic.topic).where(FollowedTopic.citizen_id == source_id)
        )
    )
    await session.execute(delete(FollowedTopic).where(FollowedTopic.citizen_id == source_id))
    for topic in moving:
        if topic not in kept:
            session.add(FollowedTopic(citizen_id=target_id, topic=topic))
    await session.flush()
