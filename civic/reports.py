"""What the officials' spreadsheets hold: petitions with their counts, signatures per day,
requests with their timeliness (one by one and per authority).

Each is a statement of plain columns, not ORM objects, so that a caller can stream a
million rows through a server-side cursor without the session keeping any of them.
Every statement is limited to the authorities the official sees.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, func, or_, select

from civic.access import Access
from civic.information_requests import OPEN
from civic.text import search_words
from storage import repositories as repo
from storage.models import (
    Authority,
    InformationRequest,
    Petition,
    PetitionStatus,
    RequestStatus,
    Signature,
)

# Answered, partly answered or refused: the authority has responded.
RESPONDED = (RequestStatus.ANSWERED, RequestStatus.PARTLY_ANSWERED, RequestStatus.REFUSED)


class Timeliness(enum.StrEnum):
    """Where a request stands against its due date."""

    ON_TIME = "on_time"  # responded by the due date
    LATE = "late"  # responded after it
    RUNNING = "running"  # open, due date not yet passed
    OVERDUE = "overdue"  # open, due date passed
    WITH_CITIZEN = "with_citizen"  # waiting for the citizen's clarification: clock stopped
    WITHDRAWN = "withdrawn"


def _in_scope(statement: Any, column: Any, access: Access) -> Any:
    if access.authority_ids is None:
        return statement
    return statement.where(column.in_(sorted(access.authority_ids)))


def petitions(
    access: Access, statuses: list[PetitionStatus] | None, query: str = ""
) -> Select[Any]:
    """One row per petition: the list page's filter, oldest first."""
    count = repo.signature_count_column().label("signatures")
    statement = (
        select(
            Petition.id,
            Petition.title,
            Authority.name_uk,
            Authority.name_en,
            Petition.status,
            Petition.submitted_at,
            Petition.published_at,
            Petition.closes_at,
            Petition.threshold,
            count,
            Petition.threshold_reached_at,
            Petition.answered_at,
        )
        .join(Authority, Authority.id == Petition.authority_id)
        .order_by(Petition.id)
    )
    if statuses is not None:
        statement = statement.where(Petition.status.in_(statuses))
    for word in search_words(query):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Petition.search_text.like(f"%{escaped}%", escape="\\"))
    return _in_scope(statement, Petition.authority_id, access)  # type: ignore[no-any-return]


def signature_day(zone: ZoneInfo, dialect: str, at: datetime) -> Any:
    """The calendar day in ``zone`` of a signature, computed by the database.

    SQLite has no time zones: the zone's offset at ``at`` is applied to every row, which
    can misplace signatures of the hour around a clock change (PostgreSQL does not)."""
    if dialect == "postgresql":
        return func.date(func.timezone(zone.key, Signature.signed_at))
    offset = at.astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return func.date(Signature.signed_at, f"{minutes:+d} minutes")


def signatures_per_day(
    access: Access, zone: ZoneInfo, dialect: str, now: datetime, petition_id: int | None
) -> Select[Any]:
    """One row per petition and day with signatures: (petition id, title, day, count)."""
    day = signature_day(zone, dialect, now).label("day")
    statement = (
        select(Signature.petition_id, Petition.title, day, func.count().label("signatures"))
        .join(Petition, Petition.id == Signature.petition_id)
        .group_by(Signature.petition_id, Petition.title, day)
        .order_by(Signature.petition_id, day)
    )
    if petition_id is not None:
        statement = statement.where(Signature.petition_id == petition_id)
    return _in_scope(statement, Petition.authority_id, access)  # type: ignore[no-any-return]


def _responded_at() -> Any:
    return func.coalesce(InformationRequest.answered_at, InformationRequest.closed_at)


def requests(access: Access, authority_id: int | None) -> Select[Any]:
    """One row per request, by authority and due date."""
    statement = (
        select(
            InformationRequest.number,
            Authority.name_uk,
            Authority.name_en,
            InformationRequest.status,
            InformationRequest.received_at,
            InformationRequest.due_at,
            InformationRequest.extended_at,
            _responded_at().label("responded_at"),
        )
        .join(Authority, Authority.id == InformationRequest.authority_id)
        .order_by(Authority.id, InformationRequest.due_at, InformationRequest.id)
    )
    if authority_id is not None:
        statement = statement.where(InformationRequest.authority_id == authority_id)
    return _in_scope(statement, InformationRequest.authority_id, access)  # type: ignore[no-any-return]


def timeliness(
    status: RequestStatus, due_at: datetime, responded_at: datetime | None, now: datetime
) -> Timeliness:
    if status is RequestStatus.WITHDRAWN:
        return Timeliness.WITHDRAWN
    if status is RequestStatus.CLARIFICATION:
        return Timeliness.WITH_CITIZEN
    if status in OPEN:
        return Timeliness.OVERDUE if now > due_at else Timeliness.RUNNING
    if responded_at is None or responded_at <= due_at:
        return Timeliness.ON_TIME
    return Timeliness.LATE


def requests_by_authority(access: Access, now: datetime) -> Select[Any]:
    """Per authority: requests in all, open, overdue now, responded on time and late,
    refused, withdrawn. The same rule as ``timeliness``, counted by the database."""
    request = InformationRequest
    running = request.status.in_([RequestStatus.SUBMITTED, RequestStatus.EXTENDED])
    responded = request.status.in_(RESPONDED)

    def counted(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    statement = (
        select(
            Authority.id,
            Authority.name_uk,
            Authority.name_en,
            func.count(request.id).label("total"),
            counted(request.status.in_(OPEN)).label("open"),
            counted(and_(running, request.due_at < now)).label("overdue"),
            counted(
                and_(
                    responded,
                    or_(_responded_at().is_(None), _responded_at() <= request.due_at),
                )
            ).label("on_time"),
            counted(and_(responded, _responded_at() > request.due_at)).label("late"),
            counted(request.status == RequestStatus.REFUSED).label("refused"),
            counted(request.status == RequestStatus.WITHDRAWN).label("withdrawn"),
        )
        .join(request, request.authority_id == Authority.id)
        .group_by(Authority.id, Authority.name_uk, Authority.name_en)
        .order_by(Authority.id)
    )
    return _in_scope(statement, Authority.id, access)  # type: ignore[no-any-return]
