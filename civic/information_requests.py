"""Requests for public information: filing, the authority's actions, the citizen's, and
the clock (civic/deadlines.py) running through all of them.

States a citizen understands: submitted (awaiting the answer), clarification requested
(the clock stops; the citizen's answer restarts it in full), extended (20 working days,
with a reason, only for an ordinary request and only within its first 5 working days),
answered or partly answered, refused (with a reason the law allows), withdrawn. Overdue
and very overdue are not states: they follow from the due time and the calendar.

Every change returns the request as it now stands, so that the caller can tell the
citizen (in the messenger and language they filed in) what changed.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from civic.deadlines import KYIV, Deadline, Lateness, TermRule, deadline, time_left
from civic.outbox import owe_mail, owe_notice
from civic.text import LengthRule, check_length
from civic.working_days import WorkingCalendar
from storage.models import (
    Authority,
    CalendarDayKind,
    CalendarOverride,
    InformationRequest,
    RequestAttachment,
    RequestStatus,
)
from storage.upsert import dialect_of

# A request must say what information is wanted; the law asks for no more than that, the
# requester's name and a way to answer (which the chat provides).
BODY_RULE = LengthRule(min_chars=20, max_chars=10_000, min_letters=10)
NAME_RULE = LengthRule(min_chars=3, max_chars=100, min_letters=3)
QUESTION_RULE = LengthRule(min_chars=10, max_chars=5_000, min_letters=5)
CLARIFICATION_RULE = LengthRule(min_chars=2, max_chars=10_000, min_letters=1)
REASON_RULE = LengthRule(min_chars=10, max_chars=2_000, min_letters=5)
# A calendar override's reason fits its column (calendar_override.reason, 300).
CALENDAR_REASON_RULE = LengthRule(min_chars=10, max_chars=300, min_letters=5)
ANSWER_RULE = LengthRule(min_chars=1, max_chars=100_000, min_letters=1)
NUMBER_PREFIX = "ЗІ"
# Telegram bots may upload files of up to 50 MB; keep well inside it.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

OPEN = (RequestStatus.SUBMITTED, RequestStatus.EXTENDED, RequestStatus.CLARIFICATION)
# The clock runs in these; in CLARIFICATION it stands still.
RUNNING = (RequestStatus.SUBMITTED, RequestStatus.EXTENDED)


class RefusalReason(enum.StrEnum):
    """Grounds for refusal the Law allows (art. 22(1))."""

    NOT_HOLDER = "not_holder"  # the authority does not hold the information
    RESTRICTED = "restricted"  # information with restricted access
    COSTS_UNPAID = "costs_unpaid"  # copying or printing costs not paid
    REQUIREMENTS = "requirements"  # the request lacks what art. 19(5) requires


class RequestError(Exception):
    """An action that the rules do not allow now; ``code`` names why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class RequestDraft:
    authority_id: int
    body: str
    requester_name: str
    urgent: bool = False
    reply_email: str | None = None


@dataclass(frozen=True, slots=True)
class AttachedFile:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Filed:
    request: InformationRequest
    deadline: Deadline


@dataclass(frozen=True, slots=True)
class Moved:
    """A request whose due time a calendar change moved."""

    request: InformationRequest
    old_due_at: datetime
    new_due_at: datetime


class NoticeKind(enum.StrEnum):
    """What the citizen is told about their request (see handlers/notices.py)."""

    CLARIFICATION = "request_clarification"
    EXTENDED = "request_extended"
    ANSWERED = "request_answered"
    REFUSED = "request_refused"
    DUE_MOVED = "request_due_moved"
    OVERDUE = "request_overdue"


class MailKind(enum.StrEnum):
    """E-mails the rules owe (see handlers/mail_texts.py)."""

    REQUEST_TO_AUTHORITY = "request_to_authority"
    CLARIFICATION_TO_AUTHORITY = "clarification_to_authority"
    ANSWER_COPY = "answer_copy"
    OFFICIAL_REMINDER = "official_reminder"


# Officials are reminded once, when this little of the term is left.
REMIND_WORKING_DAYS_LEFT = 1
REMIND_URGENT_BEFORE = timedelta(hours=12)
# Authorities are written to in the state language.
AUTHORITY_LOCALE = "uk"


def reply_email(typed: str) -> str | None:
    """The address to copy the answer to, or None when ``typed`` is not one."""
    email = typed.strip()
    return email if len(email) <= 254 and _EMAIL.fullmatch(email) else None


def term_rule(request: InformationRequest) -> TermRule:
    if request.status is RequestStatus.EXTENDED:
        return TermRule.TWENTY_WORKING_DAYS
    return TermRule.FORTY_EIGHT_HOURS if request.urgent else TermRule.FIVE_WORKING_DAYS


def format_number(year: int, sequence: int) -> str:
    return f"{NUMBER_PREFIX}-{year}-{sequence:06d}"


class InformationRequests:
    def __init__(self, session: AsyncSession, zone: ZoneInfo = KYIV) -> None:
        self.session = session
        self.zone = zone

    async def calendar(self) -> WorkingCalendar:
        rows = (await self.session.execute(select(CalendarOverride))).scalars()
        return WorkingCalendar({row.day: (row.kind, row.reason) for row in rows})

    # --- the citizen ------------------------------------------------------------------

    async def file(
        self, draft: RequestDraft, citizen_id: int, channel: str, locale: str, now: datetime
    ) -> Filed:
        """Register a request: its number and its deadline, counted from ``now``."""
        if await self.session.get(Authority, draft.authority_id) is None:
            raise RequestError("authority_not_found")
        body = check_length(draft.body, BODY_RULE)
        name = check_length(draft.requester_name, NAME_RULE)
        email = None if draft.reply_email is None else reply_email(draft.reply_email)
        if draft.reply_email is not None and email is None:
            raise RequestError("bad_email")
        year = now.astimezone(self.zone).year
        sequence = await self._next_sequence(year)
        rule = TermRule.FORTY_EIGHT_HOURS if draft.urgent else TermRule.FIVE_WORKING_DAYS
        term = deadline(now, rule, await self.calendar(), self.zone)
        request = InformationRequest(
            number=format_number(year, sequence),
            year=year,
            sequence=sequence,
            citizen_id=citizen_id,
            authority_id=draft.authority_id,
            channel=channel,
            locale=locale,
            requester_name=name,
            body=body,
            urgent=draft.urgent,
            reply_email=email,
            status=RequestStatus.SUBMITTED,
            received_at=now,
            term_start_at=now,
            due_at=term.due_at,
        )
        self.session.add(request)
        await self.session.flush()
        await self._mail_authority(request, MailKind.REQUEST_TO_AUTHORITY, now)
        return Filed(request, term)

    async def answer_clarification(
        self, request_id: int, citizen_id: int, answer: str, now: datetime
    ) -> Filed:
        """The citizen's answer is a new receipt: the term runs again in full from now."""
        request = await self._own(request_id, citizen_id)
        if request.status is not RequestStatus.CLARIFICATION:
            raise RequestError("no_clarification_asked")
        request.clarification_answer = check_length(answer, CLARIFICATION_RULE)
        request.status = RequestStatus.SUBMITTED
        request.term_start_at = now
        term = deadline(now, term_rule(request), await self.calendar(), self.zone)
        request.due_at = term.due_at
        await self._mail_authority(request, MailKind.CLARIFICATION_TO_AUTHORITY, now)
        return Filed(request, term)

    async def withdraw(self, request_id: int, citizen_id: int, now: datetime) -> InformationRequest:
        request = await self._own(request_id, citizen_id)
        if request.status not in OPEN:
            raise RequestError("not_open")
        request.status = RequestStatus.WITHDRAWN
        request.closed_at = now
        return request

    async def attachments(self, request_id: int) -> list[RequestAttachment]:
        statement = (
            select(RequestAttachment)
            .where(RequestAttachment.request_id == request_id)
            .order_by(RequestAttachment.id)
        )
        return list((await self.session.execute(statement)).scalars())

    async def of_citizen(self, citizen_id: int) -> list[InformationRequest]:
        """The citizen's requests, newest first."""
        statement = (
            select(InformationRequest)
            .where(InformationRequest.citizen_id == citizen_id)
            .order_by(InformationRequest.received_at.desc(), InformationRequest.id.desc())
        )
        return list((await self.session.execute(statement)).scalars())

    # --- the authority ----------------------------------------------------------------

    async def ask_clarification(
        self, request_id: int, question: str, now: datetime
    ) -> InformationRequest:
        """The authority needs something clarified: the clock stops until the answer."""
        request = await self._get(request_id)
        if request.status not in RUNNING:
            raise RequestError("not_running")
        request.clarification_question = check_length(question, QUESTION_RULE)
        request.clarification_answer = None
        request.clarification_asked_at = now
        request.status = RequestStatus.CLARIFICATION
        self._notify(request, NoticeKind.CLARIFICATION, now)
        return request

    async def extend(self, request_id: int, reason: str, now: datetime) -> Filed:
        """20 working days instead of 5, with the reason, told within the first 5 days."""
        request = await self._get(request_id)
        if request.status is not RequestStatus.SUBMITTED:
            raise RequestError("not_extendable")
        if request.urgent:
            raise RequestError("urgent_not_extendable")
        if now > request.due_at:
            raise RequestError("extension_too_late")
        request.extension_reason = check_length(reason, REASON_RULE)
        request.extended_at = now
        request.status = RequestStatus.EXTENDED
        term = deadline(request.term_start_at, term_rule(request), await self.calendar(), self.zone)
        request.due_at = term.due_at
        self._notify(request, NoticeKind.EXTENDED, now)
        return Filed(request, term)

    async def answer(
        self,
        request_id: int,
        answer: str,
        now: datetime,
        *,
        partly: bool = False,
        files: Sequence[AttachedFile] = (),
    ) -> InformationRequest:
        request = await self._get(request_id)
        if request.status not in RUNNING:
            raise RequestError("not_running")
        if len(files) > MAX_ATTACHMENTS:
            raise RequestError("too_many_attachments")
        for file in files:
            name = file.filename.strip()
            if not name or len(name) > 200 or "/" in name or "\\" in name:
                raise RequestError("bad_attachment_name")
            if not file.content or len(file.content) > MAX_ATTACHMENT_BYTES:
                raise RequestError("bad_attachment_size")
        request.answer_text = check_length(answer, ANSWER_RULE)
        for file in files:
            self.session.add(
                RequestAttachment(
                    request_id=request.id,
                    filename=file.filename.strip(),
                    media_type=file.media_type or "application/octet-stream",
                    content=file.content,
                    created_at=now,
                )
            )
        request.answered_at = now
        request.closed_at = now
        request.status = RequestStatus.PARTLY_ANSWERED if partly else RequestStatus.ANSWERED
        self._notify(request, NoticeKind.ANSWERED, now)
        self._mail_copy(request, now)
        return request

    async def refuse(
        self, request_id: int, reason: RefusalReason, explanation: str, now: datetime
    ) -> InformationRequest:
        request = await self._get(request_id)
        if request.status not in RUNNING:
            raise RequestError("not_running")
        request.refusal_reason = reason.value
        request.refusal_text = check_length(explanation, REASON_RULE)
        request.closed_at = now
        request.status = RequestStatus.REFUSED
        self._notify(request, NoticeKind.REFUSED, now)
        self._mail_copy(request, now)
        return request

    # --- the calendar -----------------------------------------------------------------

    async def set_calendar_day(
        self, day: date, kind: CalendarDayKind, reason: str, now: datetime
    ) -> list[Moved]:
        """Record an override (replacing one for the same day) and move the deadlines of
        running requests with it."""
        existing = await self.session.get(CalendarOverride, day)
        cleaned = check_length(reason, CALENDAR_REASON_RULE)
        if existing is None:
            self.session.add(CalendarOverride(day=day, kind=kind, reason=cleaned, created_at=now))
        else:
            existing.kind, existing.reason = kind, cleaned
        await self.session.flush()
        return await self._recompute(now)

    async def clear_calendar_day(self, day: date, now: datetime) -> list[Moved]:
        """Remove an override: the library's calendar applies to that day again."""
        existing = await self.session.get(CalendarOverride, day)
        if existing is None:
            raise RequestError("no_override")
        await self.session.delete(existing)
        await self.session.flush()
        return await self._recompute(now)

    async def preview_calendar_day(self, day: date, kind: CalendarDayKind | None) -> list[Moved]:
        """The running requests whose due time would move if ``day`` became ``kind``
        (None: its override removed), changing nothing."""
        return await self._moves((await self.calendar()).changed(day, kind))

    async def _moves(self, calendar: WorkingCalendar) -> list[Moved]:
        statement = (
            select(InformationRequest)
            .where(InformationRequest.status.in_(RUNNING))
            .order_by(InformationRequest.due_at, InformationRequest.id)
        )
        moved: list[Moved] = []
        for request in (await self.session.execute(statement)).scalars():
            term = deadline(request.term_start_at, term_rule(request), calendar, self.zone)
            if term.due_at != request.due_at:
                moved.append(Moved(request, request.due_at, term.due_at))
        return moved

    async def _recompute(self, now: datetime) -> list[Moved]:
        moved = await self._moves(await self.calendar())
        for move in moved:
            move.request.due_at = move.new_due_at
            self._notify(
                move.request, NoticeKind.DUE_MOVED, now, old_due_at=move.old_due_at.isoformat()
            )
        return moved

    async def sweep(self, now: datetime) -> list[InformationRequest]:
        """The scheduled step: tell each citizen once that their request is overdue."""
        statement = (
            select(InformationRequest)
            .where(
                InformationRequest.status.in_(RUNNING),
                InformationRequest.due_at < now,
                InformationRequest.overdue_told_at.is_(None),
            )
            .with_for_update(skip_locked=True)
        )
        overdue = list((await self.session.execute(statement)).scalars())
        for request in overdue:
            request.overdue_told_at = now
            self._notify(request, NoticeKind.OVERDUE, now)
        return overdue

    async def remind_officials(self, now: datetime) -> list[InformationRequest]:
        """The scheduled step: remind the authority once when a term is about to end
        (the last working day, or the last 12 hours of the 48-hour track)."""
        statement = (
            select(InformationRequest)
            .where(
                InformationRequest.status.in_(RUNNING),
                InformationRequest.official_reminded_at.is_(None),
                InformationRequest.due_at >= now,
            )
            .with_for_update(skip_locked=True)
        )
        calendar = await self.calendar()
        reminded = []
        for request in (await self.session.execute(statement)).scalars():
            if request.urgent and request.status is RequestStatus.SUBMITTED:
                due_soon = request.due_at - now <= REMIND_URGENT_BEFORE
            else:
                left = time_left(request.due_at, now, calendar, self.zone)
                due_soon = (
                    left.lateness is Lateness.ON_TIME
                    and left.working_days <= REMIND_WORKING_DAYS_LEFT
                )
            if due_soon:
                request.official_reminded_at = now
                await self._mail_authority(request, MailKind.OFFICIAL_REMINDER, now)
                reminded.append(request)
        return reminded

    # --- helpers ----------------------------------------------------------------------

    async def _mail_authority(
        self, request: InformationRequest, kind: MailKind, now: datetime
    ) -> None:
        authority = await self.session.get(Authority, request.authority_id)
        if authority is not None and authority.request_email:
            self._mail(authority.request_email, kind, request, AUTHORITY_LOCALE, now)

    def _mail_copy(self, request: InformationRequest, now: datetime) -> None:
        if request.reply_email:
            self._mail(request.reply_email, MailKind.ANSWER_COPY, request, request.locale, now)

    def _mail(
        self,
        recipient: str,
        kind: MailKind,
        request: InformationRequest,
        locale: str,
        now: datetime,
    ) -> None:
        """Owe an e-mail about this request, in the same transaction as the change."""
        owe_mail(
            self.session,
            recipient=recipient,
            kind=kind.value,
            subject_id=request.id,
            locale=locale,
            now=now,
        )

    def _notify(
        self, request: InformationRequest, kind: NoticeKind, now: datetime, **payload: str
    ) -> None:
        """Owe the citizen a message about this change, in the same transaction."""
        owe_notice(
            self.session,
            citizen_id=request.citizen_id,
            channel=request.channel,
            kind=kind.value,
            subject_id=request.id,
            now=now,
            **payload,
        )

    async def _get(self, request_id: int) -> InformationRequest:
        statement = select(InformationRequest).where(InformationRequest.id == request_id)
        request = (await self.session.execute(statement.with_for_update())).scalar_one_or_none()
        if request is None:
            raise RequestError("not_found")
        return request

    async def _own(self, request_id: int, citizen_id: int) -> InformationRequest:
        request = await self._get(request_id)
        if request.citizen_id != citizen_id:
            raise RequestError("not_found")  # someone else's request does not exist for you
        return request

    async def mine(self, request_id: int, citizen_id: int) -> InformationRequest | None:
        """The citizen's own request; None for one that is not theirs, exactly as for an
        id that does not exist."""
        request = await self.session.get(InformationRequest, request_id)
        return request if request is not None and request.citizen_id == citizen_id else None

    async def _next_sequence(self, year: int) -> int:
        """The next number of the year. On PostgreSQL a transaction-scoped advisory lock
        serialises the filings of one year; SQLite already serialises every writer."""
        if dialect_of(self.session) == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext('information_request_number'), :y)"),
                {"y": year},
            )
        last = await self.session.scalar(
            select(func.max(InformationRequest.sequence)).where(InformationRequest.year == year)
        )
        return int(last or 0) + 1


async def overdue_step(session: AsyncSession, now: datetime) -> dict[str, int]:
    """The requests' scheduled step: tell citizens of newly overdue requests, and remind
    authorities of terms about to end."""
    requests = InformationRequests(session)
    overdue = await requests.sweep(now)
    reminded = await requests.remind_officials(now)
    return {"newly overdue": len(overdue), "authorities reminded": len(reminded)}


async def merge_step(session: AsyncSession, source_id: int, target_id: int) -> None:
    """A merged citizen's requests become the other's (numbers and clocks unchanged)."""
    await session.execute(
        update(InformationRequest)
        .where(InformationRequest.citizen_id == source_id)
        .values(citizen_id=target_id)
    )
