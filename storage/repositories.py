"""Thin queries shared by the civic services. Each function runs in the caller's session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    Authority,
    ChannelAccount,
    Citizen,
    Petition,
    PetitionStatus,
    PetitionTally,
    ProcessedEvent,
    Signature,
)
from storage.upsert import insert_for

TALLY_SHARDS = 32


# --- events -------------------------------------------------------------------------


async def claim_event(session: AsyncSession, channel: str, event_id: str, now: datetime) -> bool:
    """Record a platform event id; False when it was recorded before (a re-delivery)."""
    statement = (
        insert_for(session, ProcessedEvent)
        .values(channel=channel, event_id=event_id, processed_at=now)
        .on_conflict_do_nothing(index_elements=["channel", "event_id"])
        .returning(ProcessedEvent.event_id)
    )
    return (await session.execute(statement)).first() is not None


# --- accounts and citizens -----------------------------------------------------------


async def lock_account(
    session: AsyncSession, channel: str, external_id: str, locale: str, now: datetime
) -> ChannelAccount:
    """The channel account, created on first contact, locked until the transaction ends.

    The row lock makes two events of the same user run one after the other, across
    processes. Creation uses ON CONFLICT so two first events at once do not collide.
    """
    found = await _select_account_for_update(session, channel, external_id)
    if found is not None:
        return found
    citizen_id = (
        await session.execute(
            insert_for(session, Citizen).values(created_at=now).returning(Citizen.id)
        )
    ).scalar_one()
    inserted = (
        await session.execute(
            insert_for(session, ChannelAccount)
            .values(
                channel=channel,
                external_id=external_id,
                citizen_id=citizen_id,
                locale=locale,
                dialog_state={},
                created_at=now,
                last_seen_at=now,
            )
            .on_conflict_do_nothing(index_elements=["channel", "external_id"])
            .returning(ChannelAccount.id)
        )
    ).first()
    if inserted is None:
        # Another event of the same new user won the race: drop our orphan citizen.
        await session.execute(delete(Citizen).where(Citizen.id == citizen_id))
    account = await _select_account_for_update(session, channel, external_id)
    assert account is not None
    return account


async def _select_account_for_update(
    session: AsyncSession, channel: str, external_id: str
) -> ChannelAccount | None:
    statement = (
        select(ChannelAccount)
        .where(ChannelAccount.channel == channel, ChannelAccount.external_id == external_id)
        .with_for_update(of=ChannelAccount)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def citizen_by_phone_hash(session: AsyncSession, digest: str) -> Citizen | None:
    statement = select(Citizen).where(Citizen.phone_hash == digest).with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def merge_citizens(session: AsyncSession, *, source_id: int, target_id: int) -> None:
    """Fold one citizen into another: accounts, authored petitions and signatures move.

    A petition both had signed keeps the earlier signature, and its tally loses one.
    """
    theirs = aliased(Signature)
    pairs = (
        await session.execute(
            select(Signature, theirs)
            .join(
                theirs,
                and_(theirs.petition_id == Signature.petition_id, theirs.citizen_id == target_id),
            )
            .where(Signature.citizen_id == source_id)
        )
    ).all()
    for source_signature, target_signature in pairs:
        later = (
            target_signature
            if target_signature.signed_at > source_signature.signed_at
            else source_signature
        )
        await session.delete(later)
        await session.flush()
        await add_to_tally(session, later.petition_id, later.citizen_id, -1)
    await session.execute(
        update(Signature).where(Signature.citizen_id == source_id).values(citizen_id=target_id)
    )
    await session.execute(
        update(Petition)
        .where(Petition.author_citizen_id == source_id)
        .values(author_citizen_id=target_id)
    )
    await session.execute(
        update(ChannelAccount)
        .where(ChannelAccount.citizen_id == source_id)
        .values(citizen_id=target_id)
    )
    await session.execute(delete(Citizen).where(Citizen.id == source_id))


# --- authorities ---------------------------------------------------------------------


async def list_authorities(session: AsyncSession) -> Sequence[Authority]:
    statement = select(Authority).order_by(Authority.level, Authority.name_uk)
    return (await session.execute(statement)).scalars().all()


# --- petitions -----------------------------------------------------------------------


def signature_count_column() -> Any:
    """A correlated sum of a petition's tally shards (0 when it has none)."""
    return (
        select(func.coalesce(func.sum(PetitionTally.signature_count), 0))
        .where(PetitionTally.petition_id == Petition.id)
        .scalar_subquery()
    )


async def petition_signature_count(session: AsyncSession, petition_id: int) -> int:
    statement = select(func.coalesce(func.sum(PetitionTally.signature_count), 0)).where(
        PetitionTally.petition_id == petition_id
    )
    return int((await session.execute(statement)).scalar_one())


async def add_to_tally(
    session: AsyncSession, petition_id: int, citizen_id: int, delta: int
) -> None:
    if delta < 0:
        # Taking back a counted signature: its shard row exists. An upsert would not do,
        # since both dialects check the proposed row (a negative count) before the conflict.
        await session.execute(
            update(PetitionTally)
            .where(
                PetitionTally.petition_id == petition_id,
                PetitionTally.shard == citizen_id % TALLY_SHARDS,
            )
            .values(signature_count=PetitionTally.signature_count + delta)
        )
        return
    statement = insert_for(session, PetitionTally).values(
        petition_id=petition_id, shard=citizen_id % TALLY_SHARDS, signature_count=delta
    )
    statement = statement.on_conflict_do_update(
        index_elements=["petition_id", "shard"],
        set_={
            "signature_count": PetitionTally.signature_count + statement.excluded.signature_count
        },
    )
    await session.execute(statement)


async def add_many_to_tally(
    session: AsyncSession, petition_id: int, citizen_ids: Sequence[int]
) -> None:
    """Count many new signatures at once: one upsert per shard, not per signature."""
    per_shard: dict[int, int] = {}
    for citizen_id in citizen_ids:
        shard = citizen_id % TALLY_SHARDS
        per_shard[shard] = per_shard.get(shard, 0) + 1
    for shard, count in sorted(per_shard.items()):
        # Any citizen id in the shard's residue class lands on that shard.
        await add_to_tally(session, petition_id, shard, count)


async def insert_signature(
    session: AsyncSession, petition_id: int, citizen_id: int, channel: str, now: datetime
) -> bool:
    """Insert one signature; False when this citizen had already signed (by the database)."""
    statement = (
        insert_for(session, Signature)
        .values(petition_id=petition_id, citizen_id=citizen_id, channel=channel, signed_at=now)
        .on_conflict_do_nothing(index_elements=["petition_id", "citizen_id"])
        .returning(Signature.id)
    )
    return (await session.execute(statement)).first() is not None


async def find_signature(
    session: AsyncSession, petition_id: int, citizen_id: int
) -> Signature | None:
    statement = select(Signature).where(
        Signature.petition_id == petition_id, Signature.citizen_id == citizen_id
    )
    return (await session.execute(statement)).scalar_one_or_none()


def petitions_query(
    *,
    statuses: Sequence[PetitionStatus] | None = None,
    words: Sequence[str] = (),
    authority_id: int | None = None,
) -> Select[tuple[Petition, Any]]:
    count = signature_count_column().label("signature_count")
    conditions: list[ColumnElement[bool]] = []
    if statuses is not None:
        # An empty list matches nothing: "no statuses" must never mean "every status".
        conditions.append(Petition.status.in_(statuses))
    if authority_id is not None:
        conditions.append(Petition.authority_id == authority_id)
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Petition.search_text.like(f"%{escaped}%", escape="\\"))
    return select(Petition, count).where(and_(True, *conditions))
