"""Thin queries shared by the civic services. Each function runs in the caller's session."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    delete,
    func,
    literal,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from storage import hot
from storage.attach import attach, labelled_columns
from storage.models import (
    Authority,
    ChannelAccount,
    Citizen,
    Notice,
    Petition,
    PetitionStatus,
    PetitionTally,
    ProcessedEvent,
    Signature,
)
from storage.types import UTCDateTime
from storage.upsert import dialect_of, insert_for, insert_on, table_of

TALLY_SHARDS = 32
_ACCOUNT = table_of(ChannelAccount)

# The hot path's statements (every sign event runs them) are built once and executed with
# their values bound: building a statement and computing its cache key cost SQLAlchemy
# more CPU than the database spends running it (docs/performance.md).


# --- events -------------------------------------------------------------------------


@cache
def _claim_event(dialect: str) -> Any:
    return (
        insert_on(dialect, ProcessedEvent)
        .values(
            channel=bindparam("channel"),
            event_id=bindparam("event_id"),
            processed_at=bindparam("now", type_=UTCDateTime()),
        )
        .on_conflict_do_nothing(index_elements=["channel", "event_id"])
        .returning(ProcessedEvent.event_id)
    )


async def claim_event(session: AsyncSession, channel: str, event_id: str, now: datetime) -> bool:
    """Record a platform event id; False when it was recorded before (a re-delivery)."""
    params = {"channel": channel, "event_id": event_id, "now": now}
    return await hot.fetch_value(session, _claim_event(dialect_of(session)), params) is not None


@dataclass(frozen=True)
class OpenedEvent:
    """``fresh``: the event id was claimed now (not a re-delivery). ``account``: the
    sender's account (with its citizen), locked; None for a sender never seen before."""

    fresh: bool
    account: ChannelAccount | None


_CITIZEN = table_of(Citizen)


@cache
def _claim_and_lock_pg() -> Any:
    """One round trip on PostgreSQL: lock the sender's account row, claim the event id,
    and read the account with its citizen.

    The claim waits for the lock (its WHERE reads the ``locked`` CTE, which PostgreSQL
    evaluates first), so every event takes the account lock before the claim's unique key.
    Two copies of one event racing therefore queue on the account row and the second then
    finds the claim taken; they never deadlock by taking the two in opposite orders.
    """
    locked = (
        select(_ACCOUNT)
        .where(
            _ACCOUNT.c.channel == bindparam("channel"),
            _ACCOUNT.c.external_id == bindparam("external_id"),
        )
        .with_for_update()
        .cte("locked")
    )
    claim_source: Any = select(
        bindparam("channel"), bindparam("event_id"), bindparam("now", type_=UTCDateTime())
    ).where(select(func.count()).select_from(locked).scalar_subquery() >= 0)
    claimed = (
        postgresql.insert(table_of(ProcessedEvent))
        .from_select(["channel", "event_id", "processed_at"], claim_source)
        .on_conflict_do_nothing(index_elements=["channel", "event_id"])
        .returning(literal(1).label("one"))
        .cte("claimed")
    )
    one = select(literal(1).label("one")).subquery("one")
    fresh = select(func.count()).select_from(claimed).scalar_subquery().label("fresh")
    return select(
        fresh,
        *labelled_columns(ChannelAccount, locked, "a_"),
        *labelled_columns(Citizen, _CITIZEN, "c_"),
    ).select_from(
        one.outerjoin(locked, true()).outerjoin(_CITIZEN, _CITIZEN.c.id == locked.c.citizen_id)
    )


async def open_event(
    session: AsyncSession, channel: str, external_id: str, event_id: str | None, now: datetime
) -> OpenedEvent:
    """Claim the platform event id (when there is one) and lock the sender's account.

    On PostgreSQL one statement, whose row becomes ORM objects without an ORM load (the
    two ORM round trips cost ~0.5 ms of CPU per event). On SQLite the event's write
    transaction (``BEGIN IMMEDIATE``) already excludes every other writer, so the account
    is read without a lock, and both statements run on the driver (``storage.hot``).
    """
    if dialect_of(session) == "postgresql":
        if event_id is None:
            return OpenedEvent(
                True, await _select_account_for_update(session, channel, external_id)
            )
        params = {"channel": channel, "external_id": external_id, "event_id": event_id, "now": now}
        row = await hot.fetch_one(session, _claim_and_lock_pg(), params)
        assert row is not None  # the statement always yields its one row
        return OpenedEvent(bool(row["fresh"]), _attach_account(session, row))
    if event_id is not None and not await claim_event(session, channel, event_id, now):
        return OpenedEvent(False, None)
    params = {"channel": channel, "external_id": external_id}
    row = await hot.fetch_one(session, _ACCOUNT_AND_CITIZEN, params)
    return OpenedEvent(True, None if row is None else _attach_account(session, row))


def _attach_account(session: AsyncSession, row: Mapping[str, Any]) -> ChannelAccount | None:
    """The account (``a_`` columns) with its citizen (``c_``) as persistent ORM objects."""
    account = attach(session, ChannelAccount, row, "a_")
    if account is not None:
        citizen = attach(session, Citizen, row, "c_")
        set_committed_value(account, "citizen", citizen)
    return account


_ACCOUNT_AND_CITIZEN = (
    select(
        *labelled_columns(ChannelAccount, _ACCOUNT, "a_"),
        *labelled_columns(Citizen, _CITIZEN, "c_"),
    )
    .join_from(_ACCOUNT, _CITIZEN, _CITIZEN.c.id == _ACCOUNT.c.citizen_id)
    .where(
        _ACCOUNT.c.channel == bindparam("channel"),
        _ACCOUNT.c.external_id == bindparam("external_id"),
    )
)


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


_SELECT_ACCOUNT_FOR_UPDATE = (
    select(ChannelAccount)
    .where(
        ChannelAccount.channel == bindparam("channel"),
        ChannelAccount.external_id == bindparam("external_id"),
    )
    .with_for_update(of=ChannelAccount)
    .execution_options(populate_existing=True)
)


async def _select_account_for_update(
    session: AsyncSession, channel: str, external_id: str
) -> ChannelAccount | None:
    params = {"channel": channel, "external_id": external_id}
    return (await session.execute(_SELECT_ACCOUNT_FOR_UPDATE, params)).scalar_one_or_none()


_SAVE_DIALOG = (
    update(_ACCOUNT)
    .where(_ACCOUNT.c.id == bindparam("account_id"))
    .values(
        dialog_state=bindparam("dialog_state", type_=_ACCOUNT.c.dialog_state.type),
        last_seen_at=bindparam("now", type_=UTCDateTime()),
        reachable=True,
        unreachable_at=None,
    )
)
_TOUCH_ACCOUNT = (
    update(_ACCOUNT)
    .where(_ACCOUNT.c.id == bindparam("account_id"))
    .values(last_seen_at=bindparam("now", type_=UTCDateTime()), reachable=True, unreachable_at=None)
)


async def save_dialog(
    session: AsyncSession,
    account: ChannelAccount,
    dialog_state: dict[str, Any],
    now: datetime,
) -> None:
    """Store the account's dialog state (when it changed) and last-seen time.

    A user who writes to us can be written to: the account is marked reachable again.

    One Core UPDATE, and the loaded account is told these are its stored values, so the
    unit of work has nothing to flush for them (its flush of one row costs ~300 us of CPU).
    """
    if dialog_state != account.dialog_state:
        params = {"account_id": account.id, "dialog_state": dialog_state, "now": now}
        await hot.execute(session, _SAVE_DIALOG, params)
        set_committed_value(account, "dialog_state", dialog_state)
    else:
        await hot.execute(session, _TOUCH_ACCOUNT, {"account_id": account.id, "now": now})
    set_committed_value(account, "last_seen_at", now)
    set_committed_value(account, "reachable", True)
    set_committed_value(account, "unreachable_at", None)


async def set_reachable(
    session: AsyncSession, channel: str, external_id: str, reachable: bool, now: datetime
) -> bool:
    """Mark a known account (un)reachable; False when we never saw that user."""
    result = await session.execute(
        update(ChannelAccount)
        .where(ChannelAccount.channel == channel, ChannelAccount.external_id == external_id)
        .values(reachable=reachable, unreachable_at=None if reachable else now)
        .returning(ChannelAccount.id)
    )
    return result.first() is not None


async def citizen_by_phone_hash(session: AsyncSession, digest: str) -> Citizen | None:
    statement = select(Citizen).where(Citizen.phone_hash == digest).with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def merge_petition_rows(session: AsyncSession, *, source_id: int, target_id: int) -> None:
    """Move one citizen's signatures and authored petitions to another.

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


async def merge_shared_rows(session: AsyncSession, *, source_id: int, target_id: int) -> None:
    """After the modules moved their rows: the citizen's messenger accounts and the
    outbox's notices follow, and the emptied citizen is deleted."""
    await session.execute(
        update(Notice).where(Notice.citizen_id == source_id).values(citizen_id=target_id)
    )
    await session.execute(
        update(ChannelAccount)
        .where(ChannelAccount.citizen_id == source_id)
        .values(citizen_id=target_id)
    )
    await session.execute(delete(Citizen).where(Citizen.id == source_id))


# --- petitions -----------------------------------------------------------------------


def signature_count_column() -> Any:
    """A correlated sum of a petition's tally shards (0 when it has none)."""
    return (
        select(func.coalesce(func.sum(PetitionTally.signature_count), 0))
        .where(PetitionTally.petition_id == Petition.id)
        .scalar_subquery()
    )


_PETITION_SIGNATURE_COUNT = select(func.coalesce(func.sum(PetitionTally.signature_count), 0)).where(
    PetitionTally.petition_id == bindparam("petition_id")
)


async def petition_signature_count(session: AsyncSession, petition_id: int) -> int:
    params = {"petition_id": petition_id}
    return int(await hot.fetch_value(session, _PETITION_SIGNATURE_COUNT, params))


@cache
def _count_into_tally(dialect: str) -> Any:
    statement = insert_on(dialect, PetitionTally).values(
        petition_id=bindparam("petition_id"),
        shard=bindparam("shard"),
        signature_count=bindparam("delta"),
    )
    return statement.on_conflict_do_update(
        index_elements=["petition_id", "shard"],
        set_={
            "signature_count": PetitionTally.signature_count + statement.excluded.signature_count
        },
    )


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
    params = {"petition_id": petition_id, "shard": citizen_id % TALLY_SHARDS, "delta": delta}
    await hot.execute(session, _count_into_tally(dialect_of(session)), params)


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


@cache
def _insert_signature(dialect: str) -> Any:
    return (
        insert_on(dialect, Signature)
        .values(
            petition_id=bindparam("petition_id"),
            citizen_id=bindparam("citizen_id"),
            channel=bindparam("channel"),
            signed_at=bindparam("now", type_=UTCDateTime()),
        )
        .on_conflict_do_nothing(index_elements=["petition_id", "citizen_id"])
        .returning(Signature.id)
    )


async def insert_signature(
    session: AsyncSession, petition_id: int, citizen_id: int, channel: str, now: datetime
) -> bool:
    """Insert one signature; False when this citizen had already signed (by the database)."""
    params = {"petition_id": petition_id, "citizen_id": citizen_id, "channel": channel, "now": now}
    inserted = await hot.fetch_value(session, _insert_signature(dialect_of(session)), params)
    return inserted is not None


# PostgreSQL only: insert the signature, count it into its shard and sum the shards in one
# round trip. The shard row comes from the upsert's RETURNING (the other statements in a
# WITH do not see it), the other shards from the statement's snapshot: like a SELECT after
# the upsert, this is the count with this signature and those already committed.
_SIGN_AND_COUNT_PG = text(
    """
    WITH inserted AS (
        INSERT INTO signature (petition_id, citizen_id, channel, signed_at)
        VALUES (:petition_id, :citizen_id, :channel, :now)
        ON CONFLICT (petition_id, citizen_id) DO NOTHING
        RETURNING id
    ), counted AS (
        INSERT INTO petition_tally (petition_id, shard, signature_count)
        SELECT :petition_id, :shard, 1 FROM inserted
        ON CONFLICT (petition_id, shard)
        DO UPDATE SET signature_count = petition_tally.signature_count + 1
        RETURNING shard, signature_count
    )
    SELECT counted.signature_count + coalesce((
        SELECT sum(other.signature_count) FROM petition_tally AS other
        WHERE other.petition_id = :petition_id AND other.shard <> counted.shard
    ), 0)
    FROM counted
    """
).bindparams(bindparam("now", type_=UTCDateTime()))


async def sign_and_count(
    session: AsyncSession, petition_id: int, citizen_id: int, channel: str, now: datetime
) -> int | None:
    """Insert and count one signature; the petition's new count, None if already signed.

    One statement on PostgreSQL; elsewhere the three steps it stands for.
    """
    if dialect_of(session) == "postgresql":
        params = {
            "petition_id": petition_id,
            "citizen_id": citizen_id,
            "channel": channel,
            "now": now,
            "shard": citizen_id % TALLY_SHARDS,
        }
        count = await hot.fetch_value(session, _SIGN_AND_COUNT_PG, params)
        return None if count is None else int(count)
    if not await insert_signature(session, petition_id, citizen_id, channel, now):
        return None
    await add_to_tally(session, petition_id, citizen_id, +1)
    return await petition_signature_count(session, petition_id)


async def find_signature(
    session: AsyncSession, petition_id: int, citizen_id: int
) -> Signature | None:
    statement = select(Signature).where(
        Signature.petition_id == petition_id, Signature.citizen_id == citizen_id
    )
    return (await session.execute(statement)).scalar_one_or_none()


_PETITION_TABLE = table_of(Petition)
_AUTHORITY_TABLE = table_of(Authority)
# Core, not an ORM load: every sign event reads its petition (see storage/attach.py).
_PETITION = (
    select(
        *labelled_columns(Petition, _PETITION_TABLE, "p_"),
        *labelled_columns(Authority, _AUTHORITY_TABLE, "au_"),
    )
    .join_from(
        _PETITION_TABLE,
        _AUTHORITY_TABLE,
        _AUTHORITY_TABLE.c.id == _PETITION_TABLE.c.authority_id,
    )
    .where(_PETITION_TABLE.c.id == bindparam("petition_id"))
)


async def petition_by_id(session: AsyncSession, petition_id: int) -> Petition | None:
    """The petition (with its authority) without its count: what signing decides on."""
    row = await hot.fetch_one(session, _PETITION, {"petition_id": petition_id})
    if row is None:
        return None
    petition = attach(session, Petition, row, "p_")
    if petition is not None and "authority" not in petition.__dict__:
        set_committed_value(petition, "authority", attach(session, Authority, row, "au_"))
    return petition


@cache
def _petition_with_count() -> Select[tuple[Petition, Any]]:
    return petitions_query().where(Petition.id == bindparam("petition_id"))


async def petition_with_count(
    session: AsyncSession, petition_id: int
) -> tuple[Petition, int] | None:
    params = {"petition_id": petition_id}
    row = (await session.execute(_petition_with_count(), params)).first()
    return None if row is None else (row[0], int(row[1]))


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
