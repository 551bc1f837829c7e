"""Citizens and their verified phones: one person across messengers."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.identity import InvalidPhone, identify_phone
from civic.merge import MergeStep, merge_citizens
from storage import repositories as repo
from storage.election_models import Verification
from storage.models import ChannelAccount, Citizen


class VerifyOutcome(enum.StrEnum):
    VERIFIED = "verified"
    ALREADY_VERIFIED = "already_verified"
    # The phone belonged to a citizen known from another account: the two are now one.
    JOINED = "joined"
    NOT_OWN = "not_own"
    INVALID = "invalid"
    OTHER_PHONE = "other_phone"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    outcome: VerifyOutcome
    citizen: Citizen


def meets_verification(citizen: Citizen, level: Verification) -> bool:
    """Whether we are as sure as ``level`` asks that this citizen is one person (what a
    poll or an election requires). One level so far; a stronger one adds a branch here."""
    return level is Verification.PHONE and citizen.phone_hash is not None


class Citizens:
    def __init__(
        self, session: AsyncSession, phone_key: bytes, merge_steps: Sequence[MergeStep] = ()
    ) -> None:
        self.session = session
        self.phone_key = phone_key
        self.merge_steps = merge_steps

    async def verify_phone(
        self, account: ChannelAccount, raw_phone: str, *, is_own: bool, now: datetime
    ) -> VerifyResult:
        """Confirm the account's citizen by a phone the messenger vouches for."""
        citizen = account.citizen
        if not is_own:
            return VerifyResult(VerifyOutcome.NOT_OWN, citizen)
        try:
            phone = identify_phone(raw_phone, self.phone_key)
        except InvalidPhone:
            return VerifyResult(VerifyOutcome.INVALID, citizen)
        if citizen.phone_hash == phone.digest:
            return VerifyResult(VerifyOutcome.ALREADY_VERIFIED, citizen)
        if citizen.phone_hash is not None:
            return VerifyResult(VerifyOutcome.OTHER_PHONE, citizen)
        owner = await repo.citizen_by_phone_hash(self.session, phone.digest)
        if owner is None:
            citizen.phone_hash = phone.digest
            citizen.phone_hint = phone.hint
            citizen.phone_verified_at = now
            await self.session.flush()
            return VerifyResult(VerifyOutcome.VERIFIED, citizen)
        await merge_citizens(
            self.session, source_id=citizen.id, target_id=owner.id, steps=self.merge_steps
        )
        self.session.expunge(citizen)
        await self.session.refresh(account)
        return VerifyResult(VerifyOutcome.JOINED, owner)

    async def channels_of(self, citizen_id: int) -> list[str]:
        rows = await self.session.execute(
            select(ChannelAccount.channel)
            .where(ChannelAccount.citizen_id == citizen_id)
            .distinct()
            .order_by(ChannelAccount.channel)
        )
        return list(rows.scalars())
