"""E-petitions: the lifecycle and its rules (Law "On Citizens' Appeals", art. 23-1).

Submitted petitions wait in moderation; a moderator publishes or rejects them with a
reason. A published petition collects signatures until its authority's period ends. When
the count reaches the threshold it awaits an answer; an answer closes the story. A petition
that runs out of time below the threshold is closed unsuccessful.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civic.fan_outs import owe_fan_out
from civic.outbox import owe_notice
from civic.text import LengthRule, check_length, search_key, search_words
from storage import repositories as repo
from storage.models import Authority, Petition, PetitionStatus, Signature

TITLE_RULE = LengthRule(min_chars=10, max_chars=200, min_letters=5)
BODY_RULE = LengthRule(min_chars=50, max_chars=5000, min_letters=30)
AUTHOR_NAME_RULE = LengthRule(min_chars=3, max_chars=100, min_letters=3)
REJECTION_REASON_RULE = LengthRule(min_chars=10, max_chars=2000, min_letters=5)
ANSWER_RULE = LengthRule(min_chars=10, max_chars=20000, min_letters=5)

# The law's national rule: 25,000 signatures within at most three months.
NATIONAL_THRESHOLD = 25_000
NATIONAL_PERIOD_MONTHS = 3
# Moderation decides within two working days; an answer is due within ten.
MODERATION_WORKING_DAYS = 2
ANSWER_WORKING_DAYS = 10
# Signing is refused from `closes_at` on; the sweep waits a little longer so that a
# signature accepted a moment before the close has committed before the count is judged.
SWEEP_GRACE = timedelta(minutes=1)

PAGE_SIZE = 5


class PetitionSort(enum.StrEnum):
    NEWEST = "new"
    MOST_SIGNED = "top"


class PetitionNotice(enum.StrEnum):
    """What a citizen is told about a petition (``notice.kind``)."""

    PUBLISHED = "petition_published"  # to the author
    REJECTED = "petition_rejected"  # to the author, with the reason
    ANSWERED = "petition_answered"  # to every signer


# The fan-out audience of a petition's signers (declared by the module).
SIGNERS = "petition_signers"


def signers(petition_id: int) -> Select[int, int, str]:
    """A petition's signers, each with the messenger they signed with."""
    return select(Signature.citizen_id.label("key"), Signature.citizen_id, Signature.channel).where(
        Signature.petition_id == petition_id
    )


class PetitionError(Exception):
    """A rule refused the action; ``code`` names the rule for messages and the API."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def collection_ends(published_at: datetime, authority: Authority) -> datetime:
    if authority.petition_period_months is not None:
        return published_at + relativedelta(months=authority.petition_period_months)
    assert authority.petition_period_days is not None
    return published_at + timedelta(days=authority.petition_period_days)


def progress_bar(count: int, threshold: int, width: int = 10) -> str:
    """``▓▓▓▓▓░░░░░``: filled in proportion, never full before the threshold is reached."""
    if threshold <= 0:
        return "▓" * width
    filled = min(width, count * width // threshold)
    if filled == width and count < threshold:
        filled = width - 1
    return "▓" * filled + "░" * (width - filled)


# Statuses a moderator has published: anyone may read such a petition (chat, open data).
PUBLISHED: tuple[PetitionStatus, ...] = (
    PetitionStatus.OPEN,
    PetitionStatus.AWAITING_ANSWER,
    PetitionStatus.ANSWERED,
    PetitionStatus.CLOSED,
)


def can_see(petition: Petition, citizen_id: int | None) -> bool:
    """Published petitions are public; one in moderation or rejected only to its author."""
    return petition.status in PUBLISHED or petition.author_citizen_id == citizen_id


def can_sign(petition: Petition, now: datetime) -> bool:
    return (
        petition.status is PetitionStatus.OPEN
        and petition.closes_at is not None
        and now < petition.closes_at
    )


@dataclass(frozen=True, slots=True)
class PetitionDraft:
    authority_id: int
    title: str
    body: str
    author_name: str


@dataclass(frozen=True, slots=True)
class PetitionView:
    petition: Petition
    signature_count: int


@dataclass(frozen=True, slots=True)
class PetitionPage:
    items: Sequence[PetitionView]
    page: int
    has_next: bool


class SignOutcome(enum.StrEnum):
    SIGNED = "signed"
    ALREADY_SIGNED = "already_signed"
    NOT_OPEN = "not_open"


@dataclass(frozen=True, slots=True)
class SignResult:
    outcome: SignOutcome
    petition: Petition
    signature_count: int
    signed_at: datetime | None = None
    signed_via: str | None = None
    threshold_reached: bool = False


@dataclass(frozen=True, slots=True)
class SweepReport:
    closed: int
    awaiting_answer: int


@dataclass(frozen=True, slots=True)
class MySignature:
    petition: Petition
    signed_at: datetime
    channel: str


class Petitions:
    """Every petition action, for the chat flows, the admin web and scheduled steps."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, petition_id: int) -> PetitionView | None:
        found = await repo.petition_with_count(self.session, petition_id)
        return None if found is None else PetitionView(*found)

    async def visible(self, petition_id: int, citizen_id: int | None) -> PetitionView | None:
        """The petition as this citizen may see it (``can_see``); None when they may not,
        exactly as for an id that does not exist."""
        view = await self.get(petition_id)
        return view if view is not None and can_see(view.petition, citizen_id) else None

    async def browse(
        self,
        *,
        sort: PetitionSort = PetitionSort.NEWEST,
        page: int = 0,
        query: str = "",
        statuses: Sequence[PetitionStatus] = (PetitionStatus.OPEN,),
        page_size: int = PAGE_SIZE,
    ) -> PetitionPage:
        statement = repo.petitions_query(statuses=statuses, words=search_words(query))
        if sort is PetitionSort.MOST_SIGNED:
            statement = statement.order_by(repo.signature_count_column().desc(), Petition.id.desc())
        else:
            statement = statement.order_by(Petition.published_at.desc(), Petition.id.desc())
        statement = statement.offset(max(page, 0) * page_size).limit(page_size + 1)
        rows = (await self.session.execute(statement)).all()
        items = [PetitionView(row[0], int(row[1])) for row in rows[:page_size]]
        return PetitionPage(items=items, page=max(page, 0), has_next=len(rows) > page_size)

    async def submit(self, draft: PetitionDraft, author_citizen_id: int, now: datetime) -> Petition:
        """Validate a citizen's draft and put it into moderation."""
        authority = await self.session.get(Authority, draft.authority_id)
        if authority is None:
            raise PetitionError("unknown_authority")
        title = check_length(draft.title, TITLE_RULE)
        body = check_length(draft.body, BODY_RULE)
        author_name = check_length(draft.author_name, AUTHOR_NAME_RULE)
        petition = Petition(
            authority=authority,
            author_citizen_id=author_citizen_id,
            author_name=author_name,
            title=title,
            body=body,
            search_text=search_key(title, body),
            status=PetitionStatus.MODERATION,
            threshold=authority.petition_threshold,
            submitted_at=now,
        )
        self.session.add(petition)
        await self.session.flush()
        return petition

    async def _for_update(self, petition_id: int) -> Petition:
        statement = (
            select(Petition)
            .where(Petition.id == petition_id)
            .with_for_update(of=Petition)
            .execution_options(populate_existing=True)
        )
        petition = (await self.session.execute(statement)).scalar_one_or_none()
        if petition is None:
            raise PetitionError("not_found")
        return petition

    async def publish(self, petition_id: int, now: datetime) -> Petition:
        """A moderator finds the petition compliant: signature collection starts now."""
        petition = await self._for_update(petition_id)
        if petition.status is not PetitionStatus.MODERATION:
            raise PetitionError("not_in_moderation")
        petition.status = PetitionStatus.OPEN
        petition.threshold = petition.authority.petition_threshold
        petition.published_at = now
        petition.closes_at = collection_ends(now, petition.authority)
        self._tell_author(petition, PetitionNotice.PUBLISHED, now)
        return petition

    async def reject(self, petition_id: int, reason: str, now: datetime) -> Petition:
        petition = await self._for_update(petition_id)
        if petition.status is not PetitionStatus.MODERATION:
            raise PetitionError("not_in_moderation")
        petition.rejection_reason = check_length(reason, REJECTION_REASON_RULE)
        petition.status = PetitionStatus.REJECTED
        petition.closed_at = now
        self._tell_author(petition, PetitionNotice.REJECTED, now)
        return petition

    async def answer(self, petition_id: int, text: str, now: datetime) -> Petition:
        petition = await self._for_update(petition_id)
        if petition.status is not PetitionStatus.AWAITING_ANSWER:
            raise PetitionError("not_awaiting_answer")
        petition.answer_text = check_length(text, ANSWER_RULE)
        petition.status = PetitionStatus.ANSWERED
        petition.answered_at = now
        await self._tell_signers(petition, now)
        return petition

    def _tell_author(self, petition: Petition, kind: PetitionNotice, now: datetime) -> None:
        # No preferred messenger: the author's most recently used one is taken.
        owe_notice(
            self.session,
            citizen_id=petition.author_citizen_id,
            channel="",
            kind=kind.value,
            subject_id=petition.id,
            now=now,
        )

    async def _tell_signers(self, petition: Petition, now: datetime) -> None:
        """Every signer, on the messenger they signed with, through one fan-out row
        however many they are (the author too, when they did not sign)."""
        owe_fan_out(
            self.session,
            audience=SIGNERS,
            kind=PetitionNotice.ANSWERED.value,
            subject_id=petition.id,
            now=now,
        )
        signed = await self.signature_of(petition.id, petition.author_citizen_id)
        if signed is None:
            self._tell_author(petition, PetitionNotice.ANSWERED, now)

    async def sign(
        self, petition_id: int, citizen_id: int, channel: str, now: datetime
    ) -> SignResult:
        """Sign once. Uniqueness is the database's: a repeat or a race inserts nothing.

        A petition this citizen may not see is ``not_found``, as one that does not exist:
        signing must not reveal that an unpublished petition exists, nor its status.
        """
        petition = await repo.petition_by_id(self.session, petition_id)
        if petition is None or not can_see(petition, citizen_id):
            raise PetitionError("not_found")
        if can_sign(petition, now):
            count = await repo.sign_and_count(self.session, petition_id, citizen_id, channel, now)
            if count is not None:
                reached = count >= petition.threshold and await self._mark_threshold_reached(
                    petition_id, now
                )
                return SignResult(
                    SignOutcome.SIGNED, petition, count, now, channel, threshold_reached=reached
                )
        # Not signed now: already signed (before, or by a parallel tap), or not open.
        view = await self.get(petition_id)
        assert view is not None
        existing = await repo.find_signature(self.session, petition_id, citizen_id)
        if existing is not None:
            return self._already(view, existing)
        return SignResult(SignOutcome.NOT_OPEN, view.petition, view.signature_count)

    async def signature_of(self, petition_id: int, citizen_id: int) -> Signature | None:
        return await repo.find_signature(self.session, petition_id, citizen_id)

    def _already(self, view: PetitionView, existing: Signature) -> SignResult:
        return SignResult(
            SignOutcome.ALREADY_SIGNED,
            view.petition,
            view.signature_count,
            existing.signed_at,
            existing.channel,
        )

    async def _mark_threshold_reached(self, petition_id: int, now: datetime) -> bool:
        """Move an open petition to awaiting an answer; True for the one call that did."""
        result = await self.session.execute(
            update(Petition)
            .where(Petition.id == petition_id, Petition.status == PetitionStatus.OPEN)
            .values(status=PetitionStatus.AWAITING_ANSWER, threshold_reached_at=now)
            .returning(Petition.id)
        )
        return result.first() is not None

    async def sweep(self, now: datetime) -> SweepReport:
        """The scheduled step: close expired petitions, mark those that reached the threshold.

        Signing moves a petition on the moment it reaches its threshold; the sweep is the
        safety net for counts that reached it otherwise (e.g. a lowered statute threshold
        is not applied retroactively, but a merge of citizens may change counts).
        """
        count = repo.signature_count_column()
        reached = (
            await self.session.execute(
                update(Petition)
                .where(Petition.status == PetitionStatus.OPEN, count >= Petition.threshold)
                .values(status=PetitionStatus.AWAITING_ANSWER, threshold_reached_at=now)
                .returning(Petition.id)
            )
        ).all()
        closed = (
            await self.session.execute(
                update(Petition)
                .where(
                    Petition.status == PetitionStatus.OPEN,
                    Petition.closes_at <= now - SWEEP_GRACE,
                )
                .values(status=PetitionStatus.CLOSED, closed_at=now)
                .returning(Petition.id)
            )
        ).all()
        return SweepReport(closed=len(closed), awaiting_answer=len(reached))

    async def authored_by(self, citizen_id: int, limit: int = 20) -> Sequence[PetitionView]:
        statement = (
            repo.petitions_query()
            .where(Petition.author_citizen_id == citizen_id)
            .order_by(Petition.submitted_at.desc(), Petition.id.desc())
            .limit(limit)
        )
        return [PetitionView(r[0], int(r[1])) for r in (await self.session.execute(statement))]

    async def signed_by(self, citizen_id: int, limit: int = 20) -> Sequence[MySignature]:
        statement = (
            select(Petition, Signature.signed_at, Signature.channel)
            .join(Signature, Signature.petition_id == Petition.id)
            .where(Signature.citizen_id == citizen_id)
            .order_by(Signature.signed_at.desc(), Petition.id.desc())
            .limit(limit)
        )
        rows = await self.session.execute(statement)
        return [MySignature(row[0], row[1], row[2]) for row in rows]

    async def count_signature_rows(self, petition_id: int) -> int:
        statement = select(func.count()).where(Signature.petition_id == petition_id)
        return int((await self.session.execute(statement)).scalar_one())

    async def published_page(
        self,
        *,
        statuses: Sequence[PetitionStatus],
        cursor: int | None = None,
        limit: int = 20,
        authority_id: int | None = None,
    ) -> tuple[Sequence[PetitionView], bool]:
        """Newest id first, only ids below ``cursor``; the page and whether more follow.

        ``statuses`` must not be empty: the caller names which statuses are public, so a
        missing filter can never expose petitions still in moderation.
        """
        if not statuses:
            raise ValueError("published_page needs at least one status")
        statement = repo.petitions_query(statuses=statuses, authority_id=authority_id)
        if cursor is not None:
            statement = statement.where(Petition.id < cursor)
        statement = statement.order_by(Petition.id.desc()).limit(limit + 1)
        rows = (await self.session.execute(statement)).all()
        items = [PetitionView(row[0], int(row[1])) for row in rows[:limit]]
        return items, len(rows) > limit


async def sweep_step(session: AsyncSession, now: datetime) -> dict[str, int]:
    """The petitions' scheduled step (``Petitions.sweep``) as the scheduler reports it."""
    report = await Petitions(session).sweep(now)
    return {"closed": report.closed, "awaiting an answer": report.awaiting_answer}


async def merge_step(session: AsyncSession, source_id: int, target_id: int) -> None:
    """Signatures and authored petitions follow a merged citizen; a petition both signed
    keeps the earlier signature and its count loses the other."""
    await repo.merge_petition_rows(session, source_id=source_id, target_id=target_id)
