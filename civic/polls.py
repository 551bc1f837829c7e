"""E-polls: the rules both the chat and the admin web call.

A poll (Cabinet Resolution No. 90 of 2022) belongs to an authority: questions (one
option, several up to a limit, or a short text; up to ten options each), an audience
(everyone, or the residents of some regions), a window, and three settings: whether the
answers are anonymous, whether an answer may be changed until closing, and when results
show (after answering, after closing, or once the authority releases them, after
closing). Sealed results stay sealed for officials too until the poll closes.

One answer per citizen is the database's: the respondent row's primary key, inserted in
the same transaction as the response. A repeat, a parallel tap or the citizen's other
messenger inserts nothing. An anonymous response has a random key and no citizen and no
time, so it cannot be found again: an anonymous poll's answers cannot be changed, and a
poll is refused that asks for both.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civic.broadcasts import Audience, Broadcasts
from civic.citizens import meets_verification
from civic.text import LengthRule, TextProblem, check_length, clean_text
from storage.election_models import Verification
from storage.models import Authority, Citizen
from storage.outbox_models import NotificationPreference
from storage.poll_models import (
    Poll,
    PollAnswer,
    PollOption,
    PollQuestion,
    PollRespondent,
    PollResponse,
    QuestionKind,
    ResultsShown,
)
from storage.upsert import insert_for

TITLE_RULE = LengthRule(min_chars=5, max_chars=300, min_letters=3)
DESCRIPTION_RULE = LengthRule(min_chars=0, max_chars=2000, min_letters=0)
QUESTION_RULE = LengthRule(min_chars=3, max_chars=500, min_letters=2)
OPTION_RULE = LengthRule(min_chars=1, max_chars=200, min_letters=0)
ANSWER_RULE = LengthRule(min_chars=1, max_chars=1000, min_letters=1)
MAX_OPTIONS = 10  # Resolution No. 90: up to ten options
MIN_OPTIONS = 2
MAX_QUESTIONS = 20
# The outbox kind of "a poll you may answer has opened".
OPENED_NOTICE = "poll_opened"
# A free text's place among a question's answers (options have ids from 1).
TEXT_CHOICE = 0


class PollError(Exception):
    """A rule refused; ``code`` names it for messages and the API."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class PollPhase(enum.StrEnum):
    """A poll's status, as the open data names it."""

    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


Phase = PollPhase  # the short name the module's callers use


def phase(poll: Poll, now: datetime) -> Phase:
    if now >= poll.closes_at:
        return Phase.CLOSED
    if now < poll.opens_at:
        return Phase.SCHEDULED
    return Phase.OPEN


def results_published(poll: Poll, now: datetime) -> bool:
    """Whether the counts are public (the open data, and anyone in chat)."""
    if poll.results_shown is ResultsShown.AFTER_ANSWER:
        return True
    if poll.results_shown is ResultsShown.AFTER_CLOSE:
        return phase(poll, now) is Phase.CLOSED
    return poll.released_at is not None


def results_for_citizen(poll: Poll, answered: bool, now: datetime) -> bool:
    """Whether this citizen may see the counts. Published counts are public anyway; a
    poll that shows results after answering shows them in chat once one has answered
    (the open data has them already, so the chat never shows more than the API)."""
    if poll.results_shown is ResultsShown.AFTER_ANSWER:
        return answered or phase(poll, now) is Phase.CLOSED
    return results_published(poll, now)


def results_for_officials(poll: Poll, now: datetime) -> bool:
    """Officials see what is published, and sealed counts once the poll has closed (to
    decide on releasing them); never before closing."""
    return results_published(poll, now) or phase(poll, now) is Phase.CLOSED


class AnswerOutcome(enum.StrEnum):
    ANSWERED = "answered"
    CHANGED = "changed"
    ALREADY_ANSWERED = "already_answered"


# What a citizen answers: per question id, the chosen option ids or the text.
Answers = Mapping[int, Sequence[int] | str]


@dataclass(frozen=True)
class PollTerms:
    """What an official sets on a poll, checked on create and on every edit."""

    authority_id: int
    title: str
    opens_at: datetime
    closes_at: datetime
    description: str = ""
    regions: Sequence[str] = ()
    anonymous: bool = False
    changeable: bool = False
    results_shown: ResultsShown = ResultsShown.AFTER_CLOSE


@dataclass(frozen=True)
class Question:
    row: PollQuestion
    options: list[PollOption] = field(default_factory=list)


@dataclass(frozen=True)
class QuestionCounts:
    question: Question
    # Per option id, how many chose it; for a text question, how many wrote one.
    counts: dict[int, int]
    texts: int = 0


@dataclass(frozen=True)
class Results:
    respondents: int
    questions: list[QuestionCounts]


def audience_query(poll: Poll) -> list[Audience]:
    """Who is told the poll is open: everyone, or one audience per region."""
    return [Audience(region=region) for region in poll.regions] or [Audience()]


class Polls:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- officials --------------------------------------------------------------------

    async def create(self, terms: PollTerms, now: datetime) -> Poll:
        poll = Poll(
            required_verification=Verification.PHONE, created_at=now, regions=[], description=""
        )
        await self._apply(poll, terms)
        self.session.add(poll)
        await self.session.flush()
        return poll

    async def edit(self, poll_id: int, terms: PollTerms, now: datetime) -> Poll:
        """New terms, only before the poll opens."""
        poll = await self._scheduled(poll_id, now)
        if terms.authority_id != poll.authority_id:
            raise PollError("authority_fixed")
        await self._apply(poll, terms)
        await self.session.flush()
        return poll

    async def _apply(self, poll: Poll, terms: PollTerms) -> None:
        if await self.session.get(Authority, terms.authority_id) is None:
            raise PollError("unknown_authority")
        if terms.closes_at <= terms.opens_at:
            raise PollError("closes_before_it_opens")
        if terms.anonymous and terms.changeable:
            raise PollError("anonymous_cannot_change")
        regions = sorted({clean_text(region) for region in terms.regions if region.strip()})
        if regions:
            known = set(
                await self.session.scalars(
                    select(Authority.region).where(Authority.region.in_(regions))
                )
            )
            if set(regions) - known:
                raise PollError("unknown_region")
        poll.authority_id = terms.authority_id
        poll.title = check_length(terms.title, TITLE_RULE)
        poll.description = (
            check_length(terms.description, DESCRIPTION_RULE) if terms.description.strip() else ""
        )
        poll.regions = regions
        poll.opens_at = terms.opens_at
        poll.closes_at = terms.closes_at
        poll.anonymous = terms.anonymous
        poll.changeable = terms.changeable
        poll.results_shown = terms.results_shown

    async def add_question(
        self,
        poll_id: int,
        text: str,
        kind: QuestionKind,
        options: Sequence[str],
        max_choices: int,
        now: datetime,
    ) -> Question:
        """A question at the end, before the poll opens: 2 to 10 options for a choice, a
        limit from 1 to the options for several, none for a text."""
        await self._scheduled(poll_id, now)
        questions = await self.questions(poll_id)
        if len(questions) >= MAX_QUESTIONS:
            raise PollError("too_many_questions")
        cleaned = [check_length(option, OPTION_RULE) for option in options if option.strip()]
        if kind is QuestionKind.TEXT:
            if cleaned:
                raise PollError("text_has_no_options")
            max_choices = 1
        else:
            if not MIN_OPTIONS <= len(cleaned) <= MAX_OPTIONS:
                raise PollError("options_out_of_range")
            if len(set(cleaned)) != len(cleaned):
                raise PollError("options_repeat")
            if kind is QuestionKind.SINGLE:
                max_choices = 1
            elif not 1 <= max_choices <= len(cleaned):
                raise PollError("max_choices_out_of_range")
        question = PollQuestion(
            poll_id=poll_id,
            position=(questions[-1].row.position + 1) if questions else 1,
            text=check_length(text, QUESTION_RULE),
            kind=kind,
            max_choices=max_choices,
        )
        self.session.add(question)
        await self.session.flush()
        added = [
            PollOption(question_id=question.id, position=position, text=option)
            for position, option in enumerate(cleaned, start=1)
        ]
        self.session.add_all(added)
        await self.session.flush()
        return Question(question, added)

    async def remove_question(self, poll_id: int, question_id: int, now: datetime) -> None:
        await self._scheduled(poll_id, now)
        question = await self.session.get(PollQuestion, question_id)
        if question is None or question.poll_id != poll_id:
            raise PollError("unknown_question")
        await self.session.execute(delete(PollOption).where(PollOption.question_id == question_id))
        await self.session.delete(question)
        await self.session.flush()

    async def close_early(self, poll_id: int, now: datetime) -> Poll:
        poll = await self._get(poll_id, lock=True)
        current = phase(poll, now)
        if current is Phase.CLOSED:
            raise PollError("already_closed")
        if current is Phase.SCHEDULED:
            raise PollError("not_open_yet")
        poll.closes_at = now
        return poll

    async def release(self, poll_id: int, now: datetime) -> Poll:
        """Publish sealed results: once, after closing, for a poll that waits for it."""
        poll = await self._get(poll_id, lock=True)
        if poll.results_shown is not ResultsShown.ON_RELEASE:
            raise PollError("not_sealed")
        if phase(poll, now) is not Phase.CLOSED:
            raise PollError("still_open")
        if poll.released_at is not None:
            raise PollError("already_released")
        poll.released_at = now
        return poll

    async def announce_opened(self, now: datetime) -> int:
        """The scheduled step: tell each newly opened poll's audience, once (through the
        outbox, as a broadcast honouring everyone's preferences)."""
        due = list(
            await self.session.scalars(
                select(Poll)
                .where(
                    Poll.opens_at <= now,
                    Poll.closes_at > now,
                    Poll.announced_at.is_(None),
                    exists().where(PollQuestion.poll_id == Poll.id),
                )
                .with_for_update(skip_locked=True)
            )
        )
        broadcasts = Broadcasts(self.session)
        for poll in due:
            for audience in audience_query(poll):
                await broadcasts.announce(
                    kind=OPENED_NOTICE,
                    subject_id=poll.id,
                    audience=audience,
                    created_by="polls",
                    now=now,
                )
            poll.announced_at = now
        return len(due)

    # --- citizens ---------------------------------------------------------------------

    async def get(self, poll_id: int) -> Poll | None:
        return await self.session.get(Poll, poll_id)

    async def region_of(self, citizen_id: int) -> str | None:
        preference = await self.session.get(NotificationPreference, citizen_id)
        return None if preference is None else preference.region

    async def open_for(self, citizen_id: int, now: datetime) -> list[Poll]:
        """The open polls with questions this citizen may answer (for everyone, or for
        the region they follow)."""
        region = await self.region_of(citizen_id)
        polls = await self.session.scalars(
            select(Poll)
            .where(
                Poll.opens_at <= now,
                Poll.closes_at > now,
                exists().where(PollQuestion.poll_id == Poll.id),
            )
            .order_by(Poll.closes_at, Poll.id)
        )
        return [poll for poll in polls if in_audience(poll, region)]

    async def questions(self, poll_id: int) -> list[Question]:
        questions = list(
            await self.session.scalars(
                select(PollQuestion)
                .where(PollQuestion.poll_id == poll_id)
                .order_by(PollQuestion.position, PollQuestion.id)
            )
        )
        options: dict[int, list[PollOption]] = {question.id: [] for question in questions}
        if questions:
            rows = await self.session.scalars(
                select(PollOption)
                .where(PollOption.question_id.in_(list(options)))
                .order_by(PollOption.position, PollOption.id)
            )
            for option in rows:
                options[option.question_id].append(option)
        return [Question(question, options[question.id]) for question in questions]

    async def has_answered(self, poll_id: int, citizen_id: int) -> bool:
        return await self.session.get(PollRespondent, (poll_id, citizen_id)) is not None

    async def answers_of(self, poll_id: int, citizen_id: int) -> dict[int, list[int] | str]:
        """A citizen's own answers in a named poll (an anonymous one keeps none)."""
        response_id = await self.session.scalar(
            select(PollResponse.id).where(
                PollResponse.poll_id == poll_id, PollResponse.citizen_id == citizen_id
            )
        )
        if response_id is None:
            return {}
        found: dict[int, list[int] | str] = {}
        for row in await self.session.scalars(
            select(PollAnswer).where(PollAnswer.response_id == response_id)
        ):
            if row.choice == TEXT_CHOICE:
                found[row.question_id] = row.text or ""
            else:
                chosen = found.setdefault(row.question_id, [])
                assert isinstance(chosen, list)
                chosen.append(row.choice)
        return found

    async def answer(
        self, poll_id: int, citizen_id: int, answers: Answers, now: datetime
    ) -> AnswerOutcome:
        """Record the citizen's one answer to every question (ids untrusted); change it
        where the poll allows, before closing."""
        poll = await self._get(poll_id)
        current = phase(poll, now)
        if current is Phase.SCHEDULED:
            raise PollError("not_open_yet")
        if current is Phase.CLOSED:
            raise PollError("closed")
        citizen = await self.session.get(Citizen, citizen_id)
        if citizen is None or not meets_verification(citizen, poll.required_verification):
            raise PollError("verification_required")
        if not in_audience(poll, await self.region_of(citizen_id)):
            raise PollError("not_in_audience")
        rows = _answer_rows(await self.questions(poll_id), answers)
        inserted = await self.session.execute(
            insert_for(self.session, PollRespondent)
            .values(poll_id=poll_id, citizen_id=citizen_id)
            .on_conflict_do_nothing()
            .returning(PollRespondent.citizen_id)
        )
        if inserted.first() is not None:
            response_id = secrets.token_hex(16)
            await self.session.execute(
                insert(PollResponse).values(
                    id=response_id,
                    poll_id=poll_id,
                    citizen_id=None if poll.anonymous else citizen_id,
                    answered_at=None if poll.anonymous else now,
                )
            )
            outcome = AnswerOutcome.ANSWERED
        else:
            if not poll.changeable:
                return AnswerOutcome.ALREADY_ANSWERED
            # Named and changeable: the response is found again and locked, so that two
            # parallel changes leave one whole answer, the later one.
            response = await self.session.scalar(
                select(PollResponse)
                .where(PollResponse.poll_id == poll_id, PollResponse.citizen_id == citizen_id)
                .with_for_update()
            )
            if response is None:
                return AnswerOutcome.ALREADY_ANSWERED
            response_id = response.id
            await self.session.execute(
                delete(PollAnswer).where(PollAnswer.response_id == response_id)
            )
            await self.session.execute(
                update(PollResponse).where(PollResponse.id == response_id).values(answered_at=now)
            )
            outcome = AnswerOutcome.CHANGED
        await self.session.execute(
            insert(PollAnswer),
            [{"response_id": response_id, **row} for row in rows],
        )
        return outcome

    async def results(self, poll_id: int) -> Results:
        """The counts; callers decide who may see them (``results_published`` and the
        others)."""
        questions = await self.questions(poll_id)
        respondents = await self.session.scalar(
            select(func.count())
            .select_from(PollRespondent)
            .where(PollRespondent.poll_id == poll_id)
        )
        counted: dict[tuple[int, int], int] = {}
        if questions:
            rows = await self.session.execute(
                select(PollAnswer.question_id, PollAnswer.choice, func.count())
                .where(PollAnswer.question_id.in_([q.row.id for q in questions]))
                .group_by(PollAnswer.question_id, PollAnswer.choice)
            )
            counted = {(question_id, choice): int(n) for question_id, choice, n in rows.all()}
        return Results(
            respondents=int(respondents or 0),
            questions=[
                QuestionCounts(
                    question,
                    {o.id: counted.get((question.row.id, o.id), 0) for o in question.options},
                    counted.get((question.row.id, TEXT_CHOICE), 0),
                )
                for question in questions
            ],
        )

    async def texts(self, question_id: int, limit: int, offset: int = 0) -> list[str]:
        """A text question's answers, in no order that says who or when (by the random
        response key)."""
        return list(
            await self.session.scalars(
                select(PollAnswer.text)
                .where(PollAnswer.question_id == question_id, PollAnswer.choice == TEXT_CHOICE)
                .order_by(PollAnswer.response_id)
                .offset(offset)
                .limit(limit)
            )
        )

    async def _scheduled(self, poll_id: int, now: datetime) -> Poll:
        poll = await self._get(poll_id, lock=True)
        if phase(poll, now) is not Phase.SCHEDULED:
            raise PollError("already_open")
        return poll

    async def _get(self, poll_id: int, *, lock: bool = False) -> Poll:
        poll = await self.session.get(Poll, poll_id, with_for_update=lock or None)
        if poll is None:
            raise PollError("not_found")
        return poll


def in_audience(poll: Poll, region: str | None) -> bool:
    return not poll.regions or region in poll.regions


def _answer_rows(questions: Sequence[Question], answers: Answers) -> list[dict[str, object]]:
    """The rows of a whole answer, or the reason it is not one: every choice question
    answered within its limit with its own options, a text where one is written."""
    known = {question.row.id for question in questions}
    if any(question_id not in known for question_id in answers):
        raise PollError("unknown_question")
    rows: list[dict[str, object]] = []
    for question in questions:
        given = answers.get(question.row.id)
        if question.row.kind is QuestionKind.TEXT:
            if isinstance(given, str) and given.strip():
                try:
                    written = check_length(given, ANSWER_RULE)
                except TextProblem as problem:
                    raise PollError(f"text_{problem.kind}") from problem
                rows.append(
                    {"question_id": question.row.id, "choice": TEXT_CHOICE, "text": written}
                )
            elif given is not None and not isinstance(given, str):
                raise PollError("unknown_option")
            continue
        if given is None or isinstance(given, str) or not given:
            raise PollError("unanswered")
        chosen = sorted(set(given))
        if len(chosen) > question.row.max_choices:
            raise PollError("too_many_choices")
        own = {option.id for option in question.options}
        if any(choice not in own for choice in chosen):
            raise PollError("unknown_option")
        rows += [
            {"question_id": question.row.id, "choice": choice, "text": None} for choice in chosen
        ]
    return rows


async def merge_step(session: AsyncSession, source_id: int, target_id: int) -> None:
    """A citizen who turns out to be another: their respondent rows and named responses
    move. Both cannot have answered one poll (answering needs the verified phone, and two
    citizens merge when the second confirms the phone the first has); should it happen
    anyway, the target's answer stays and the source's named one goes, so one counts."""
    target_polls = select(PollRespondent.poll_id).where(PollRespondent.citizen_id == target_id)
    twice = list(
        await session.scalars(
            select(PollResponse.id).where(
                PollResponse.citizen_id == source_id, PollResponse.poll_id.in_(target_polls)
            )
        )
    )
    if twice:
        await session.execute(delete(PollAnswer).where(PollAnswer.response_id.in_(twice)))
        await session.execute(delete(PollResponse).where(PollResponse.id.in_(twice)))
    await session.execute(
        delete(PollRespondent).where(
            PollRespondent.citizen_id == source_id, PollRespondent.poll_id.in_(target_polls)
        )
    )
    await session.execute(
        update(PollResponse)
        .where(PollResponse.citizen_id == source_id)
        .values(citizen_id=target_id)
    )
    moving = list(
        await session.scalars(
            select(PollRespondent.poll_id).where(PollRespondent.citizen_id == source_id)
        )
    )
    await session.execute(delete(PollRespondent).where(PollRespondent.citizen_id == source_id))
    for poll_id in moving:
        session.add(PollRespondent(poll_id=poll_id, citizen_id=target_id))
    await session.flush()


__all__ = [
    "AnswerOutcome",
    "Answers",
    "Phase",
    "PollError",
    "PollTerms",
    "Polls",
    "Question",
    "QuestionCounts",
    "Results",
    "in_audience",
    "merge_step",
    "phase",
]
