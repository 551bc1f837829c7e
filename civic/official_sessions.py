"""Officials' sessions (server-side, expiring after inactivity and absolutely, revocable)
and the login throttle (per account and per address)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.officials import digest, new_token
from storage.official_models import LoginThrottle, Official, OfficialSession
from storage.upsert import insert_for

# A session's last-seen time is written at most this often: a page view is a read, and
# an UPDATE per page would make every read a write.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class Opened:
    """A new session: the token goes into the cookie and exists nowhere else."""

    token: str
    session: OfficialSession


class OfficialSessions:
    def __init__(self, session: AsyncSession, policy: SessionPolicy | None = None) -> None:
        self.session = session
        self.policy = policy or SessionPolicy()

    async def open(
        self,
        official: Official,
        *,
        address: str,
        user_agent: str,
        second_factor_done: bool,
        now: datetime,
    ) -> Opened:
        token = new_token()
        row = OfficialSession(
            token_hash=digest(token),
            official_id=official.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            second_factor_at=now if second_factor_done else None,
            address=address[:64],
            user_agent=user_agent[:300],
        )
        self.session.add(row)
        await self.session.flush()
        return Opened(token, row)

    def is_live(self, row: OfficialSession, now: datetime) -> bool:
        return (
            row.revoked_at is None
            and now - row.last_seen_at < self.policy.idle
            and now - row.created_at < self.policy.absolute
        )

    async def find(self, token: str, now: datetime) -> OfficialSession | None:
        """The live session this cookie token opens, touched; None for anything else."""
        if not token or len(token) > 100:
            return None
        row = await self.session.get(OfficialSession, digest(token))
        if row is None or not self.is_live(row, now):
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            row.last_seen_at = now
        return row

    async def second_factor_given(self, row: OfficialSession, now: datetime) -> None:
        row.second_factor_at = now

    async def revoke(self, row: OfficialSession, now: datetime) -> None:
        row.revoked_at = now

    async def live(
        self, now: datetime, official_id: int | None = None
    ) -> Sequence[OfficialSession]:
        """Sessions that still open pages (for the administrator's list), newest first."""
        statement = (
            select(OfficialSession)
            .where(
                OfficialSession.revoked_at.is_(None),
                OfficialSession.last_seen_at > now - self.policy.idle,
                OfficialSession.created_at > now - self.policy.absolute,
            )
            .order_by(OfficialSession.last_seen_at.desc())
        )
        if official_id is not None:
            statement = statement.where(OfficialSession.official_id == official_id)
        return (await self.session.scalars(statement)).all()

    async def revoke_by_id(self, token_hash: str, now: datetime) -> OfficialSession | None:
        row = await self.session.get(OfficialSession, token_hash)
        if row is not None and row.revoked_at is None:
            row.revoked_at = now
        return row


# --- the login throttle --------------------------------------------------------------


@dataclass(frozen=True)
class ThrottlePolicy:
    """After ``free`` failures in a row, each further failure locks the key for twice as
    long as the one before, from ``first_lock`` up to ``longest_lock``. A quiet ``forget``
    clears the count."""

    account_free: int = 5
    address_free: int = 20
    first_lock: timedelta = timedelta(minutes=1)
    longest_lock: timedelta = timedelta(hours=1)
    forget: timedelta = timedelta(hours=1)


def throttle_keys(email: str, address: str) -> tuple[str, str]:
    return f"account:{email.strip().lower()[:254]}", f"address:{address[:64]}"


class LoginThrottleRules:
    def __init__(self, session: AsyncSession, policy: ThrottlePolicy | None = None) -> None:
        self.session = session
        self.policy = policy or ThrottlePolicy()

    async def locked_until(self, keys: Sequence[str], now: datetime) -> datetime | None:
        """The latest lock among the keys still in force, or None when a try is allowed."""
        rows = await self.session.scalars(
            select(LoginThrottle.locked_until).where(
                LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
            )
        )
        locks = [lock for lock in rows.all() if lock is not None]
        return max(locks) if locks else None

    async def failed(self, keys: Sequence[str], now: datetime) -> None:
        for key in keys:
            free = (
                self.policy.account_free
                if key.startswith("account:")
                else (self.policy.address_free)
            )
            insert = insert_for(self.session, LoginThrottle)
            statement = insert.values(key=key, failures=1, last_failure_at=now)
            table = insert.table
            # A count older than `forget` starts again; concurrent failures add up.
            fresh = table.c.last_failure_at > now - self.policy.forget
            failures = case((fresh, table.c.failures + 1), else_=1)
            await self.session.execute(
                statement.on_conflict_do_update(
                    index_elements=[table.c.key],
                    set_={"failures": failures, "last_failure_at": now},
                )
            )
            row = await self.session.get(LoginThrottle, key, populate_existing=True)
            assert row is not None
            over = row.failures - free
            if over > 0:
                doubled = self.policy.first_lock * 2 ** min(over - 1, 16)
                lock = min(doubled, self.policy.longest_lock)
                row.locked_until = now + lock

    async def succeeded(self, account_key: str) -> None:
        """A right password clears the account's count (not the address's: one good
        account must not unlock guessing at others from the same address)."""
        row = await self.session.get(LoginThrottle, account_key)
        if row is not None:
            await self.session.delete(row)
