"""The directory of authorities as open data, with how each handles requests for
public information.

The statistics are counts over an authority's requests, worked out by the database at
the moment of asking (``now``), so "overdue" is always current:

- ``received``: every request filed with the authority, whatever its state;
- ``answered``: answered or partly answered;
- ``answered_on_time``: of those, answered no later than the request's due time;
- ``refused`` and ``withdrawn``;
- ``open``: submitted, extended or waiting for the citizen's clarification;
- ``overdue``: open with the clock running (not in clarification, where it stands still)
  and past the due time.

Only counts leave this module: nothing about who asked or what they asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.information_requests import OPEN, RUNNING
from storage.models import Authority, AuthorityLevel, InformationRequest, RequestStatus

ANSWERED = (RequestStatus.ANSWERED, RequestStatus.PARTLY_ANSWERED)


@dataclass(frozen=True, slots=True)
class RequestStatistics:
    """How an authority handled the requests for public information filed with it."""

    received: int = 0
    answered: int = 0
    answered_on_time: int = 0
    refused: int = 0
    withdrawn: int = 0
    open: int = 0
    overdue: int = 0


@dataclass(frozen=True, slots=True)
class AuthorityRecord:
    authority: Authority
    requests: RequestStatistics


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    # COUNT skips the NULL of an unmatched CASE: 0, never NULL, on both dialects.
    return func.count(case((condition, 1)))


class AuthorityStatistics:
    """Authorities with their request statistics, in the caller's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def statistics(
        self, authority_ids: Sequence[int], now: datetime
    ) -> dict[int, RequestStatistics]:
        """Statistics of each of ``authority_ids`` at ``now``, in one aggregate query."""
        if not authority_ids:
            return {}
        request = InformationRequest
        answered = request.status.in_(ANSWERED)
        statement = (
            select(
                request.authority_id,
                func.count().label("received"),
                _count(answered).label("answered"),
                _count(and_(answered, request.answered_at <= request.due_at)).label(
                    "answered_on_time"
                ),
                _count(request.status == RequestStatus.REFUSED).label("refused"),
                _count(request.status == RequestStatus.WITHDRAWN).label("withdrawn"),
                _count(request.status.in_(OPEN)).label("open"),
                _count(and_(request.status.in_(RUNNING), request.due_at < now)).label("overdue"),
            )
            .where(request.authority_id.in_(authority_ids))
            .group_by(request.authority_id)
        )
        rows = (await self.session.execute(statement)).all()
        found = {
            int(row.authority_id): RequestStatistics(
                received=int(row.received),
                answered=int(row.answered),
                answered_on_time=int(row.answered_on_time),
                refused=int(row.refused),
                withdrawn=int(row.withdrawn),
                open=int(row.open),
                overdue=int(row.overdue),
            )
            for row in rows
        }
        return {i: found.get(i, RequestStatistics()) for i in authority_ids}

    async def page(
        self,
        *,
        now: datetime,
        cursor: int | None = None,
        limit: int = 20,
        level: AuthorityLevel | None = None,
        region: str | None = None,
    ) -> tuple[list[AuthorityRecord], bool]:
        """By id ascending, only ids above ``cursor``; the page and whether more follow."""
        statement = select(Authority)
        if cursor is not None:
            statement = statement.where(Authority.id > cursor)
        if level is not None:
            statement = statement.where(Authority.level == level)
        if region is not None:
            statement = statement.where(Authority.region == region)
        statement = statement.order_by(Authority.id).limit(limit + 1)
        found = list((await self.session.execute(statement)).scalars())
        authorities = found[:limit]
        stats = await self.statistics([a.id for a in authorities], now)
        records = [AuthorityRecord(a, stats[a.id]) for a in authorities]
        return records, len(found) > limit

    async def get(self, authority_id: int, now: datetime) -> AuthorityRecord | None:
        authority = await self.session.get(Authority, authority_id)
        if authority is None:
            return None
        stats = await self.statistics([authority.id], now)
        return AuthorityRecord(authority, stats[authority.id])
