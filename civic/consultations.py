"""E-consultations on draft acts: the rules the chat and the admin web call.

An authority publishes a draft act in numbered sections for a comment period of at least
its minimum (``Authority.consultation_min_days``, default 15 days). While it runs a
citizen supports or objects to any section or the whole draft (one stance each, changing
replaces it) and writes comments or new wording, which are published after automatic
checks (length; no phone numbers or e-mail addresses) or once a moderator has looked,
per consultation. A comment flagged by three different citizens waits for a moderator;
a moderator hides a comment with a reason its author is told. After closing the
authority records an outcome for every published comment and publishes its report by
the deadline (``consultation_report_days``, default 14 days after closing); every
participant is then told the fate of each of their own comments.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civic.broadcasts import Audience, Broadcasts
from civic.draft_sections import DraftSection
from civic.fan_outs import owe_fan_out
from civic.outbox import owe_notice
from civic.personal_data import personal_data_in
from civic.text import LengthRule, TextProblem, check_length, clean_text
from storage.consultation_models import (
    CommentFlag,
    CommentKind,
    CommentStatus,
    Consultation,
    ConsultationComment,
    ConsultationDocument,
    ConsultationSection,
    ConsultationStance,
    Moderation,
    Outcome,
    Stance,
)
from storage.models import Authority
from storage.upsert import insert_for

MIN_PERIOD_DAYS = 15
REPORT_DAYS = 14
FLAGS_TO_HIDE = 3
WHOLE_DRAFT = 0  # the section number of a stance or comment on the whole draft
TITLE_RULE = LengthRule(min_chars=5, max_chars=300, min_letters=3)
SUMMARY_RULE = LengthRule(min_chars=10, max_chars=4000, min_letters=5)
SECTION_TITLE_RULE = LengthRule(min_chars=1, max_chars=300, min_letters=1)
COMMENT_RULE = LengthRule(min_chars=3, max_chars=5000, min_letters=2)
FLAG_RULE = LengthRule(min_chars=0, max_chars=300, min_letters=0)
HIDE_RULE = LengthRule(min_chars=5, max_chars=500, min_letters=3)
OUTCOME_RULE = LengthRule(min_chars=3, max_chars=2000, min_letters=2)
# The fan-out of the report to the participants, and the notices.
PARTICIPANTS = "consultation_participants"
OUTCOMES_NOTICE = "consultation_outcomes"
HIDDEN_NOTICE = "consultation_comment_hidden"
OPENED_NOTICE = "consultation_opened"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MARKDOWN = "text/markdown; charset=utf-8"
# What an uploaded draft is served as: by its kind, never as the browser claimed.
DOCUMENT_TYPES = (DOCX, MARKDOWN)


class ConsultationError(Exception):
    """A rule refused; ``code`` names it for messages."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ConsultationPhase(enum.StrEnum):
    """A consultation's status, as the open data names it."""

    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    REPORTED = "reported"


Phase = ConsultationPhase  # the short name the module's callers use


def phase(consultation: Consultation, now: datetime) -> Phase:
    if consultation.report_published_at is not None:
        return Phase.REPORTED
    if now >= consultation.closes_at:
        return Phase.CLOSED
    if now < consultation.opens_at:
        return Phase.SCHEDULED
    return Phase.OPEN


def min_period(authority: Authority) -> timedelta:
    return timedelta(days=authority.consultation_min_days or MIN_PERIOD_DAYS)


def report_period(authority: Authority) -> timedelta:
    return timedelta(days=authority.consultation_report_days or REPORT_DAYS)


@dataclass(frozen=True)
class ConsultationTerms:
    authority_id: int
    title: str
    summary: str
    affected: str
    opens_at: datetime
    closes_at: datetime
    regions: Sequence[str] = ()
    moderation: Moderation = Moderation.AUTOMATIC


@dataclass(frozen=True)
class UploadedDraft:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class SectionCounts:
    section: ConsultationSection | None  # None: the whole draft
    comments: int  # published
    support: int
    objections: int


@dataclass(frozen=True)
class FlaggedComment:
    comment: ConsultationComment
    flags: int
    reasons: list[str]


def participants(consultation_id: int) -> Select[int, int, str]:
    """The fan-out audience of a report: everyone with a published comment, once each."""
    return (
        select(
            ConsultationComment.citizen_id.label("key"),
            ConsultationComment.citizen_id,
            literal("").label("channel"),
        )
        .where(
            ConsultationComment.consultation_id == consultation_id,
            ConsultationComment.status == CommentStatus.PUBLISHED,
        )
        .distinct()
    )


class Consultations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- officials --------------------------------------------------------------------

    async def create(
        self,
        terms: ConsultationTerms,
        sections: Sequence[DraftSection],
        now: datetime,
        document: UploadedDraft | None = None,
    ) -> Consultation:
        consultation = Consultation(created_at=now, regions=[])
        await self._apply(consultation, terms)
        self.session.add(consultation)
        await self.session.flush()
        await self._put_sections(consultation.id, sections)
        if document is not None:
            await self._put_document(consultation.id, document)
        await self.session.flush()
        return consultation

    async def _put_document(self, consultation_id: int, document: UploadedDraft) -> None:
        stored = await self.session.get(ConsultationDocument, consultation_id)
        if stored is None:
            stored = ConsultationDocument(consultation_id=consultation_id)
            self.session.add(stored)
        stored.filename = document.filename[:200]
        stored.media_type = DOCX if document.filename.lower().endswith(".docx") else MARKDOWN
        stored.content = document.content

    async def document(self, consultation_id: int) -> ConsultationDocument | None:
        return await self.session.get(ConsultationDocument, consultation_id)

    async def edit(
        self,
        consultation_id: int,
        terms: ConsultationTerms,
        sections: Sequence[DraftSection] | None,
        now: datetime,
        document: UploadedDraft | None = None,
    ) -> Consultation:
        """New terms (and sections, from a new upload, when given), only before it
        opens."""
        consultation = await self._get(consultation_id, lock=True)
        if phase(consultation, now) is not Phase.SCHEDULED:
            raise ConsultationError("already_open")
        if terms.authority_id != consultation.authority_id:
            raise ConsultationError("authority_fixed")
        await self._apply(consultation, terms)
        if sections is not None:
            await self.session.execute(
                delete(ConsultationSection).where(
                    ConsultationSection.consultation_id == consultation_id
                )
            )
            await self._put_sections(consultation_id, sections)
        if document is not None:
            await self._put_document(consultation_id, document)
        await self.session.flush()
        return consultation

    async def _apply(self, consultation: Consultation, terms: ConsultationTerms) -> None:
        authority = await self.session.get(Authority, terms.authority_id)
        if authority is None:
            raise ConsultationError("unknown_authority")
        if terms.closes_at - terms.opens_at < min_period(authority):
            raise ConsultationError("period_too_short")
        regions = sorted({clean_text(region) for region in terms.regions if region.strip()})
        if regions:
            known = set(
                await self.session.scalars(
                    select(Authority.region).where(Authority.region.in_(regions))
                )
            )
            if set(regions) - known:
                raise ConsultationError("unknown_region")
        consultation.authority_id = terms.authority_id
        consultation.title = check_length(terms.title, TITLE_RULE)
        consultation.summary = check_length(terms.summary, SUMMARY_RULE)
        consultation.affected = check_length(terms.affected, SUMMARY_RULE)
        consultation.regions = regions
        consultation.moderation = terms.moderation
        consultation.opens_at = terms.opens_at
        consultation.closes_at = terms.closes_at
        consultation.report_due_at = terms.closes_at + report_period(authority)

    async def _put_sections(self, consultation_id: int, sections: Sequence[DraftSection]) -> None:
        if not sections:
            raise ConsultationError("no_sections")
        self.session.add_all(
            ConsultationSection(
                consultation_id=consultation_id,
                number=number,
                title=check_length(section.title, SECTION_TITLE_RULE),
                text=clean_text(section.text),
            )
            for number, section in enumerate(sections, start=1)
        )
        await self.session.flush()

    async def close_early(self, consultation_id: int, now: datetime) -> Consultation:
        consultation = await self._get(consultation_id, lock=True)
        if phase(consultation, now) is not Phase.OPEN:
            raise ConsultationError("not_open")
        consultation.closes_at = now
        # The report stays due as long after closing as the authority allows.
        authority = await self.session.get(Authority, consultation.authority_id)
        assert authority is not None
        consultation.report_due_at = now + report_period(authority)
        return consultation

    async def moderation_queue(self, consultation_id: int | None = None) -> list[FlaggedComment]:
        """Comments waiting for a moderator (premoderated, or flagged three times), with
        how many flagged them and why, the most flagged first."""
        statement = select(ConsultationComment).where(
            ConsultationComment.status == CommentStatus.PENDING
        )
        if consultation_id is not None:
            statement = statement.where(ConsultationComment.consultation_id == consultation_id)
        waiting = list(await self.session.scalars(statement.order_by(ConsultationComment.id)))
        reasons: dict[int, list[str]] = {comment.id: [] for comment in waiting}
        if waiting:
            for comment_id, reason in await self.session.execute(
                select(CommentFlag.comment_id, CommentFlag.reason).where(
                    CommentFlag.comment_id.in_(list(reasons))
                )
            ):
                reasons[comment_id].append(reason)
        queue = [FlaggedComment(c, len(reasons[c.id]), reasons[c.id]) for c in waiting]
        return sorted(queue, key=lambda item: (-item.flags, item.comment.id))

    async def hide(self, comment_id: int, reason: str, now: datetime) -> ConsultationComment:
        """A moderator hides a comment with a reason; its author is told."""
        comment = await self._comment(comment_id)
        if comment.status is CommentStatus.WITHDRAWN:
            raise ConsultationError("withdrawn")
        comment.hidden_reason = check_length(reason, HIDE_RULE)
        comment.status = CommentStatus.HIDDEN
        comment.moderated_at = now
        owe_notice(
            self.session,
            citizen_id=comment.citizen_id,
            channel="",
            kind=HIDDEN_NOTICE,
            subject_id=comment.id,
            now=now,
        )
        return comment

    async def approve(self, comment_id: int, now: datetime) -> ConsultationComment:
        """A moderator has looked and publishes the comment; flags no longer hide it."""
        comment = await self._comment(comment_id)
        if comment.status is CommentStatus.WITHDRAWN:
            raise ConsultationError("withdrawn")
        comment.status = CommentStatus.PUBLISHED
        comment.hidden_reason = None
        comment.moderated_at = now
        return comment

    async def record_outcome(
        self,
        consultation_id: int,
        comment_ids: Sequence[int],
        outcome: Outcome,
        reason: str,
        now: datetime,
    ) -> int:
        """The authority's outcome and reason for comments of this consultation (several
        at once when they share their fate), after closing and before the report."""
        consultation = await self._get(consultation_id, lock=True)
        current = phase(consultation, now)
        if current is Phase.REPORTED:
            raise ConsultationError("already_reported")
        if current is not Phase.CLOSED:
            raise ConsultationError("still_open")
        wanted = sorted(set(comment_ids))
        if not wanted:
            raise ConsultationError("no_comments")
        found = list(
            await self.session.scalars(
                select(ConsultationComment.id).where(
                    ConsultationComment.id.in_(wanted),
                    ConsultationComment.consultation_id == consultation_id,
                    ConsultationComment.status == CommentStatus.PUBLISHED,
                )
            )
        )
        if len(found) != len(wanted):
            raise ConsultationError("unknown_comment")
        written = check_length(reason, OUTCOME_RULE)
        await self.session.execute(
            update(ConsultationComment)
            .where(ConsultationComment.id.in_(wanted))
            .values(outcome=outcome, outcome_reason=written)
        )
        return len(wanted)

    async def publish_report(self, consultation_id: int, now: datetime) -> Consultation:
        """Publish the report once every published comment has its outcome; every
        participant is owed the fate of their own comments."""
        consultation = await self._get(consultation_id, lock=True)
        current = phase(consultation, now)
        if current is Phase.REPORTED:
            raise ConsultationError("already_reported")
        if current is not Phase.CLOSED:
            raise ConsultationError("still_open")
        missing = await self.session.scalar(
            select(func.count())
            .select_from(ConsultationComment)
            .where(
                ConsultationComment.consultation_id == consultation_id,
                ConsultationComment.status == CommentStatus.PUBLISHED,
                ConsultationComment.outcome.is_(None),
            )
        )
        if missing:
            raise ConsultationError("outcomes_missing")
        pending = await self.session.scalar(
            select(func.count())
            .select_from(ConsultationComment)
            .where(
                ConsultationComment.consultation_id == consultation_id,
                ConsultationComment.status == CommentStatus.PENDING,
            )
        )
        if pending:
            raise ConsultationError("moderation_pending")
        consultation.report_published_at = now
        owe_fan_out(
            self.session,
            audience=PARTICIPANTS,
            kind=OUTCOMES_NOTICE,
            subject_id=consultation_id,
            now=now,
        )
        return consultation

    async def announce_opened(self, now: datetime) -> int:
        """The scheduled step: tell each newly opened consultation's audience, once
        (through the outbox, honouring everyone's preferences)."""
        due = list(
            await self.session.scalars(
                select(Consultation)
                .where(
                    Consultation.opens_at <= now,
                    Consultation.closes_at > now,
                    Consultation.announced_at.is_(None),
                )
                .with_for_update(skip_locked=True)
            )
        )
        broadcasts = Broadcasts(self.session)
        for consultation in due:
            audiences = [Audience(region=r) for r in consultation.regions] or [Audience()]
            for audience in audiences:
                await broadcasts.announce(
                    kind=OPENED_NOTICE,
                    subject_id=consultation.id,
                    audience=audience,
                    created_by="consultations",
                    now=now,
                )
            consultation.announced_at = now
        return len(due)

    # --- citizens ---------------------------------------------------------------------

    async def get(self, consultation_id: int) -> Consultation | None:
        return await self.session.get(Consultation, consultation_id)

    async def open_now(self, now: datetime) -> list[Consultation]:
        return list(
            await self.session.scalars(
                select(Consultation)
                .where(Consultation.opens_at <= now, Consultation.closes_at > now)
                .order_by(Consultation.closes_at, Consultation.id)
            )
        )

    async def sections(self, consultation_id: int) -> list[ConsultationSection]:
        return list(
            await self.session.scalars(
                select(ConsultationSection)
                .where(ConsultationSection.consultation_id == consultation_id)
                .order_by(ConsultationSection.number)
            )
        )

    async def section(self, consultation_id: int, number: int) -> ConsultationSection | None:
        return await self.session.scalar(
            select(ConsultationSection).where(
                ConsultationSection.consultation_id == consultation_id,
                ConsultationSection.number == number,
            )
        )

    async def set_stance(
        self, consultation_id: int, citizen_id: int, number: int, stance: Stance, now: datetime
    ) -> None:
        """Support or object to a section (0: the whole draft), replacing one's own."""
        await self._open(consultation_id, now)
        await self._section_id(consultation_id, number)
        statement = insert_for(self.session, ConsultationStance).values(
            consultation_id=consultation_id,
            section_number=number,
            citizen_id=citizen_id,
            stance=stance,
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["consultation_id", "section_number", "citizen_id"],
                set_={"stance": stance},
            )
        )

    async def comment(
        self,
        consultation_id: int,
        citizen_id: int,
        number: int,
        kind: CommentKind,
        text: str,
        now: datetime,
    ) -> ConsultationComment:
        """A comment or new wording on a section (0: the whole draft): refused with a
        reason when empty, too long or carrying a phone number or e-mail address;
        published at once or waiting for a moderator, as the consultation says."""
        consultation = await self._open(consultation_id, now)
        section_id = await self._section_id(consultation_id, number)
        try:
            written = check_length(text, COMMENT_RULE)
        except TextProblem as problem:
            raise ConsultationError(f"text_{problem.kind}") from problem
        found = personal_data_in(written)
        if found is not None:
            raise ConsultationError(f"personal_data_{found}")
        comment = ConsultationComment(
            consultation_id=consultation_id,
            section_id=section_id,
            citizen_id=citizen_id,
            kind=kind,
            text=written,
            status=CommentStatus.PUBLISHED
            if consultation.moderation is Moderation.AUTOMATIC
            else CommentStatus.PENDING,
            created_at=now,
        )
        self.session.add(comment)
        await self.session.flush()
        return comment

    async def comments_of(self, consultation_id: int, citizen_id: int) -> list[ConsultationComment]:
        """A citizen's own comments on a consultation, withdrawn ones too."""
        return list(
            await self.session.scalars(
                select(ConsultationComment)
                .where(
                    ConsultationComment.consultation_id == consultation_id,
                    ConsultationComment.citizen_id == citizen_id,
                )
                .order_by(ConsultationComment.id)
            )
        )

    async def withdraw(self, comment_id: int, citizen_id: int, now: datetime) -> None:
        """One's own comment withdrawn while the period runs (anyone else's: not found)."""
        comment = await self.session.get(ConsultationComment, comment_id, with_for_update=True)
        if comment is None or comment.citizen_id != citizen_id:
            raise ConsultationError("unknown_comment")
        await self._open(comment.consultation_id, now)
        if comment.status in (CommentStatus.WITHDRAWN, CommentStatus.HIDDEN):
            raise ConsultationError(comment.status.value)
        comment.status = CommentStatus.WITHDRAWN

    async def published(
        self, consultation_id: int, number: int, *, limit: int, offset: int = 0
    ) -> list[ConsultationComment]:
        """The published comments on a section (0: the whole draft), oldest first."""
        section_id = await self._section_id(consultation_id, number)
        condition = (
            ConsultationComment.section_id.is_(None)
            if section_id is None
            else ConsultationComment.section_id == section_id
        )
        return list(
            await self.session.scalars(
                select(ConsultationComment)
                .where(
                    ConsultationComment.consultation_id == consultation_id,
                    ConsultationComment.status == CommentStatus.PUBLISHED,
                    condition,
                )
                .order_by(ConsultationComment.id)
                .offset(offset)
                .limit(limit)
            )
        )

    async def flag(self, comment_id: int, citizen_id: int, reason: str, now: datetime) -> bool:
        """Flag someone else's published comment, once per citizen (False: flagged by
        this citizen before, nothing stored); the third citizen's flag hides it until a
        moderator looks, unless one already has."""
        comment = await self.session.get(ConsultationComment, comment_id, with_for_update=True)
        if comment is None or comment.status in (CommentStatus.WITHDRAWN, CommentStatus.HIDDEN):
            raise ConsultationError("unknown_comment")
        if comment.citizen_id == citizen_id:
            raise ConsultationError("own_comment")
        if await self.session.get(CommentFlag, (comment_id, citizen_id)) is not None:
            return False
        if comment.status is not CommentStatus.PUBLISHED:
            raise ConsultationError("unknown_comment")  # waiting for a moderator
        consultation = await self._get(comment.consultation_id)
        if phase(consultation, now) is Phase.REPORTED:
            raise ConsultationError("already_reported")
        inserted = await self.session.execute(
            insert_for(self.session, CommentFlag)
            .values(
                comment_id=comment_id,
                citizen_id=citizen_id,
                reason=check_length(reason, FLAG_RULE) if reason.strip() else "",
                created_at=now,
            )
            .on_conflict_do_nothing()
            .returning(CommentFlag.citizen_id)
        )
        if inserted.first() is None:
            return False
        flags = await self.session.scalar(
            select(func.count())
            .select_from(CommentFlag)
            .where(CommentFlag.comment_id == comment_id)
        )
        if (flags or 0) >= FLAGS_TO_HIDE and comment.moderated_at is None:
            comment.status = CommentStatus.PENDING
        return True

    # --- counts and the report --------------------------------------------------------

    async def counts(self, consultation_id: int) -> list[SectionCounts]:
        """Per section, and first for the whole draft: published comments, support and
        objections."""
        sections = await self.sections(consultation_id)
        by_section_id = dict(
            (
                await self.session.execute(
                    select(ConsultationComment.section_id, func.count())
                    .where(
                        ConsultationComment.consultation_id == consultation_id,
                        ConsultationComment.status == CommentStatus.PUBLISHED,
                    )
                    .group_by(ConsultationComment.section_id)
                )
            ).all()
        )
        stances: dict[tuple[int, Stance], int] = {
            (number, stance): int(n)
            for number, stance, n in (
                await self.session.execute(
                    select(
                        ConsultationStance.section_number,
                        ConsultationStance.stance,
                        func.count(),
                    )
                    .where(ConsultationStance.consultation_id == consultation_id)
                    .group_by(ConsultationStance.section_number, ConsultationStance.stance)
                )
            ).all()
        }
        whole = SectionCounts(
            None,
            int(by_section_id.get(None, 0)),
            stances.get((WHOLE_DRAFT, Stance.SUPPORT), 0),
            stances.get((WHOLE_DRAFT, Stance.OBJECT), 0),
        )
        return [whole] + [
            SectionCounts(
                section,
                int(by_section_id.get(section.id, 0)),
                stances.get((section.number, Stance.SUPPORT), 0),
                stances.get((section.number, Stance.OBJECT), 0),
            )
            for section in sections
        ]

    async def reported_comments(self, consultation_id: int) -> list[ConsultationComment]:
        """The published comments with their outcomes, in order (no author is given out
        by the callers)."""
        return list(
            await self.session.scalars(
                select(ConsultationComment)
                .where(
                    ConsultationComment.consultation_id == consultation_id,
                    ConsultationComment.status == CommentStatus.PUBLISHED,
                )
                .order_by(ConsultationComment.section_id, ConsultationComment.id)
            )
        )

    # --- helpers ----------------------------------------------------------------------

    async def _open(self, consultation_id: int, now: datetime) -> Consultation:
        consultation = await self._get(consultation_id)
        current = phase(consultation, now)
        if current is Phase.SCHEDULED:
            raise ConsultationError("not_open_yet")
        if current is not Phase.OPEN:
            raise ConsultationError("closed")
        return consultation

    async def _section_id(self, consultation_id: int, number: int) -> int | None:
        """The id of section ``number`` (None for 0, the whole draft), or refused."""
        if number == WHOLE_DRAFT:
            return None
        section = await self.section(consultation_id, number)
        if section is None:
            raise ConsultationError("unknown_section")
        return section.id

    async def _comment(self, comment_id: int) -> ConsultationComment:
        comment = await self.session.get(ConsultationComment, comment_id, with_for_update=True)
        if comment is None:
            raise ConsultationError("unknown_comment")
        return comment

    async def _get(self, consultation_id: int, *, lock: bool = False) -> Consultation:
        consultation = await self.session.get(
            Consultation, consultation_id, with_for_update=lock or None
        )
        if consultation is None:
            raise ConsultationError("not_found")
        return consultation


async def merge_step(session: AsyncSession, source_id: int, target_id: int) -> None:
    """A citizen who turns out to be another: their comments move; their stances and
    flags move unless the target has one on the same section or comment (then the
    target's stays, so nothing is counted twice)."""
    await session.execute(
        update(ConsultationComment)
        .where(ConsultationComment.citizen_id == source_id)
        .values(citizen_id=target_id)
    )
    held = {
        (consultation_id, number)
        for consultation_id, number in (
            await session.execute(
                select(ConsultationStance.consultation_id, ConsultationStance.section_number).where(
                    ConsultationStance.citizen_id == target_id
                )
            )
        ).all()
    }
    for stance in list(
        await session.scalars(
            select(ConsultationStance).where(ConsultationStance.citizen_id == source_id)
        )
    ):
        if (stance.consultation_id, stance.section_number) not in held:
            session.add(
                ConsultationStance(
                    consultation_id=stance.consultation_id,
                    section_number=stance.section_number,
                    citizen_id=target_id,
                    stance=stance.stance,
                )
            )
    await session.execute(
        delete(ConsultationStance).where(ConsultationStance.citizen_id == source_id)
    )
    flagged = set(
        await session.scalars(
            select(CommentFlag.comment_id).where(CommentFlag.citizen_id == target_id)
        )
    )
    for flag in list(
        await session.scalars(select(CommentFlag).where(CommentFlag.citizen_id == source_id))
    ):
        if flag.comment_id not in flagged:
            session.add(
                CommentFlag(
                    comment_id=flag.comment_id,
                    citizen_id=target_id,
                    reason=flag.reason,
                    created_at=flag.created_at,
                )
            )
    await session.execute(delete(CommentFlag).where(CommentFlag.citizen_id == source_id))
    await session.flush()
