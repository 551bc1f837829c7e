"""The officials' view of petitions: the moderation queue with how long each has waited,
lists by status within an official's authorities, and signatures per day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.access import Access
from civic.petitions import MODERATION_WORKING_DAYS
from civic.reports import signature_day
from civic.text import search_words
from civic.working_days import WorkingCalendar
from storage import repositories as repo
from storage.models import Petition, PetitionStatus, Signature
from storage.upsert import dialect_of

PAGE_SIZE = 25


@dataclass(frozen=True)
class DeskRow:
    petition: Petition
    count: int
    # For petitions in moderation: working days waited, and whether past the 2 allowed.
    working_days_waited: int | None
    overdue: bool


def listing(
    access: Access, statuses: Sequence[PetitionStatus] | None, query: str = ""
) -> Select[tuple[Petition, Any]]:
    """Petitions with their signature counts (``repositories.petitions_query``), within
    the official's authorities."""
    statement = repo.petitions_query(statuses=statuses, words=search_words(query))
    if access.authority_ids is None:
        return statement
    return statement.where(Petition.authority_id.in_(sorted(access.authority_ids)))


def rows_of(
    found: Sequence[Any], calendar: WorkingCalendar, now: datetime, zone: ZoneInfo
) -> list[DeskRow]:
    """(petition, count) rows with the moderation wait worked out where it applies."""
    rows = []
    for petition, count in found:
        days, overdue = (
            waited(petition, calendar, now, zone)
            if petition.status is PetitionStatus.MODERATION
            else (None, False)
        )
        rows.append(DeskRow(petition, int(count), days, overdue))
    return rows


async def counts_by_status(
    session: AsyncSession, access: Access, statuses: Sequence[PetitionStatus]
) -> dict[PetitionStatus, int]:
    """How many petitions are in each of ``statuses`` (one query)."""
    statement = select(Petition.status, func.count()).where(Petition.status.in_(statuses))
    if access.authority_ids is not None:
        statement = statement.where(Petition.authority_id.in_(sorted(access.authority_ids)))
    rows = await session.execute(statement.group_by(Petition.status))
    counts = dict.fromkeys(statuses, 0)
    counts.update({status: int(count) for status, count in rows.all()})
    return counts


def waited(
    petition: Petition, calendar: WorkingCalendar, now: datetime, zone: ZoneInfo
) -> tuple[int, bool]:
    """Working days since submission (the day of submission not counted), and whether the
    moderation term has passed."""
    submitted = petition.submitted_at.astimezone(zone).date()
    today = now.astimezone(zone).date()
    days = calendar.working_days_between(submitted, today)
    return days, days > MODERATION_WORKING_DAYS


async def signatures_per_day(
    session: AsyncSession, petition_id: int | None, zone: ZoneInfo, since: datetime | None
) -> list[tuple[date, int]]:
    """Signatures per day in ``zone``, one petition's or all of them, counted in SQL."""
    day = signature_day(zone, dialect_of(session), since or datetime.now(zone))
    statement = select(day, func.count()).group_by(day).order_by(day)
    if petition_id is not None:
        statement = statement.where(Signature.petition_id == petition_id)
    if since is not None:
        statement = statement.where(Signature.signed_at >= since)
    rows = await session.execute(statement)
    return [
        (value if isinstance(value, date) else date.fromisoformat(str(value)), int(count))
        for value, count in rows.all()
    ]
