"""E-polls' rules: the terms an official may set, questions checked before opening, one
answer per citizen (also under concurrent answers on PostgreSQL), changing a named
answer, anonymous answers with no link to anyone, every refusal with nothing stored, who
may see the counts when, closing early, releasing, the opening announced once, and the
merge of two citizens."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, select

from civic.clock import FixedClock
from civic.polls import (
    AnswerOutcome,
    Answers,
    PollError,
    Polls,
    PollTerms,
    merge_step,
    results_for_citizen,
    results_for_officials,
    results_published,
)
from civic.preferences import Preferences
from storage.db import Database
from storage.outbox_models import Broadcast
from storage.poll_models import (
    Poll,
    PollAnswer,
    PollRespondent,
    PollResponse,
    QuestionKind,
    ResultsShown,
)
from tests.helpers import make_authority
from tests.poll_support import HOUR, REGION, full_answer, make_citizen, make_poll


async def _answer(
    database: Database, poll_id: int, citizen_id: int, answers: Answers, now: datetime
) -> AnswerOutcome:
    async with database.transaction() as session:
        return await Polls(session).answer(poll_id, citizen_id, answers, now)


async def _stored(database: Database) -> tuple[int, int, int]:
    """Rows of respondents, responses and answers."""
    async with database.transaction() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (PollRespondent, PollResponse, PollAnswer)
        ]
    return (int(counts[0] or 0), int(counts[1] or 0), int(counts[2] or 0))


async def test_terms_are_checked_and_fixed_once_the_poll_opens(
    database: Database, clock: FixedClock
) -> None:
    """Anonymous and changeable together, a window closing before it opens and an unknown
    region are refused; questions need 2 to 10 distinct options, a text none, a limit
    within the options; once open, nothing about the poll changes."""
    now = clock.now()
    poll_id, questions, _options = await make_poll(database, now)
    async with database.transaction() as session:
        rules = Polls(session)
        poll = await rules.get(poll_id)
        assert poll is not None
        base = PollTerms(
            authority_id=poll.authority_id,
            title="Який парк облаштувати першим?",
            opens_at=now + HOUR,
            closes_at=now + 2 * HOUR,
        )
        cases: list[tuple[PollTerms, str]] = [
            (
                PollTerms(**{**base.__dict__, "anonymous": True, "changeable": True}),
                "anonymous_cannot_change",
            ),
            (PollTerms(**{**base.__dict__, "closes_at": now}), "closes_before_it_opens"),
            (PollTerms(**{**base.__dict__, "regions": ["Марсіанська область"]}), "unknown_region"),
        ]
        for terms, code in cases:
            with pytest.raises(PollError) as refused:
                await rules.edit(poll_id, terms, now)
            assert refused.value.code == code
        edited = await rules.edit(poll_id, PollTerms(**{**base.__dict__, "regions": [REGION]}), now)
        assert edited.regions == [REGION]
        question_cases = [
            (QuestionKind.SINGLE, ["Одна"], 1, "options_out_of_range"),
            (QuestionKind.SINGLE, [str(n) for n in range(11)], 1, "options_out_of_range"),
            (QuestionKind.SINGLE, ["Так", "Так"], 1, "options_repeat"),
            (QuestionKind.MULTIPLE, ["А", "Б", "В"], 4, "max_choices_out_of_range"),
            (QuestionKind.TEXT, ["А"], 1, "text_has_no_options"),
        ]
        for kind, options, limit, code in question_cases:
            with pytest.raises(PollError) as refused:
                await rules.add_question(poll_id, "Питання?", kind, options, limit, now)
            assert refused.value.code == code
    opened = now + 2 * HOUR
    async with database.transaction() as session:
        rules = Polls(session)
        for change in (
            rules.edit(poll_id, base, opened),
            rules.add_question(poll_id, "Ще?", QuestionKind.TEXT, [], 1, opened),
            rules.remove_question(poll_id, questions[2], opened),
        ):
            with pytest.raises(PollError) as refused:
                await change
            assert refused.value.code == "already_open"


async def test_every_refusal_stores_nothing(database: Database, clock: FixedClock) -> None:
    """Before opening, after closing, without a verified phone, outside the audience, an
    unanswered or over-limit question, and a forged option of another question or poll:
    each refused with its reason, no row stored."""
    now = clock.now()
    poll_id, questions, options = await make_poll(database, now, regions=[REGION])
    _other, _other_questions, other_options = await make_poll(database, now)
    during = now + 2 * HOUR
    verified = await make_citizen(database, now)
    async with database.transaction() as session:
        await Preferences(session).set_region(verified, REGION, now)
    elsewhere = await make_citizen(database, now)
    unverified = await make_citizen(database, now, verified=False)
    good = full_answer(questions, options)
    cases: list[tuple[int, Answers, datetime, str]] = [
        (verified, good, now, "not_open_yet"),
        (verified, good, now + 4 * HOUR, "closed"),
        (unverified, good, during, "verification_required"),
        (elsewhere, good, during, "not_in_audience"),
        (verified, {questions[1]: [options[1][0]]}, during, "unanswered"),
        (verified, {**good, questions[1]: options[1]}, during, "too_many_choices"),
        (verified, {**good, questions[0]: [options[1][0]]}, during, "unknown_option"),
        (verified, {**good, questions[0]: [other_options[0][0]]}, during, "unknown_option"),
        (verified, {**good, 999_999: [1]}, during, "unknown_question"),
        (verified, {**good, questions[2]: "x" * 1001}, during, "text_too_long"),
    ]
    for citizen_id, answers, when, code in cases:
        with pytest.raises(PollError) as refused:
            await _answer(database, poll_id, citizen_id, answers, when)
        assert refused.value.code == code, code
    assert await _stored(database) == (0, 0, 0)
    assert await _answer(database, poll_id, verified, good, during) is AnswerOutcome.ANSWERED
    assert await _stored(database) == (1, 1, 4)


async def test_an_anonymous_answer_has_no_link_and_cannot_be_given_twice(
    database: Database, clock: FixedClock
) -> None:
    """In an anonymous poll the response has a random key, no citizen and no time; the
    respondent row (which has no time and names no response) refuses a second answer."""
    now = clock.now()
    poll_id, questions, options = await make_poll(database, now, anonymous=True)
    during = now + 2 * HOUR
    citizen = await make_citizen(database, now)
    assert await _answer(database, poll_id, citizen, full_answer(questions, options), during) is (
        AnswerOutcome.ANSWERED
    )
    again = full_answer(questions, options, first=1)
    assert await _answer(database, poll_id, citizen, again, during) is (
        AnswerOutcome.ALREADY_ANSWERED
    )
    async with database.transaction() as session:
        response = (await session.scalars(select(PollResponse))).one()
        assert response.citizen_id is None
        assert response.answered_at is None
        assert len(response.id) == 32
        respondent = (await session.scalars(select(PollRespondent))).one()
        assert set(PollRespondent.__table__.columns.keys()) == {"poll_id", "citizen_id"}
        assert respondent.citizen_id == citizen
        assert await Polls(session).answers_of(poll_id, citizen) == {}
        results = await Polls(session).results(poll_id)
    assert results.respondents == 1
    assert results.questions[0].counts == {options[0][0]: 1, options[0][1]: 0}


async def test_a_named_changeable_answer_is_replaced_whole(
    database: Database, clock: FixedClock
) -> None:
    """Where the poll allows it, a second answer replaces the first: one respondent, the
    counts follow the new answer, the citizen sees it; a poll that does not allow it keeps
    the first."""
    now = clock.now()
    poll_id, questions, options = await make_poll(database, now, changeable=True)
    fixed_id, fixed_questions, fixed_options = await make_poll(database, now)
    during = now + 2 * HOUR
    citizen = await make_citizen(database, now)
    await _answer(database, poll_id, citizen, full_answer(questions, options), during)
    changed = {questions[0]: [options[0][1]], questions[1]: [options[1][1]]}
    assert await _answer(database, poll_id, citizen, changed, during) is AnswerOutcome.CHANGED
    await _answer(database, fixed_id, citizen, full_answer(fixed_questions, fixed_options), during)
    refused = full_answer(fixed_questions, fixed_options, first=1)
    assert await _answer(database, fixed_id, citizen, refused, during) is (
        AnswerOutcome.ALREADY_ANSWERED
    )
    async with database.transaction() as session:
        rules = Polls(session)
        assert await rules.answers_of(poll_id, citizen) == changed
        results = await rules.results(poll_id)
        kept = await rules.answers_of(fixed_id, citizen)
    assert results.respondents == 1
    assert results.questions[0].counts == {options[0][0]: 0, options[0][1]: 1}
    assert results.questions[1].counts == {options[1][0]: 0, options[1][1]: 1, options[1][2]: 0}
    assert results.questions[2].texts == 0
    assert kept[fixed_questions[0]] == [fixed_options[0][0]]


async def test_who_sees_the_counts_when(database: Database, clock: FixedClock) -> None:
    """After answering: public at once, to a citizen once they answered. After closing:
    to no one before, officials included. On release: officials after closing, everyone
    only once released, which needs the poll closed and happens once."""
    now = clock.now()
    during, after = now + 2 * HOUR, now + 4 * HOUR
    shown = {}
    for setting in ResultsShown:
        poll_id, _q, _o = await make_poll(database, now, results_shown=setting)
        async with database.transaction() as session:
            poll = await session.get(Poll, poll_id)
            assert poll is not None
            shown[setting] = poll_id
            assert results_published(poll, during) is (setting is ResultsShown.AFTER_ANSWER)
            assert results_for_citizen(poll, False, during) is False
            assert results_for_citizen(poll, True, during) is (setting is ResultsShown.AFTER_ANSWER)
            assert results_for_officials(poll, during) is (setting is ResultsShown.AFTER_ANSWER)
            assert results_for_officials(poll, after) is True
            assert results_published(poll, after) is (setting is not ResultsShown.ON_RELEASE)
    async with database.transaction() as session:
        rules = Polls(session)
        for poll_id, moment, code in (
            (shown[ResultsShown.AFTER_CLOSE], after, "not_sealed"),
            (shown[ResultsShown.ON_RELEASE], during, "still_open"),
        ):
            with pytest.raises(PollError) as refused:
                await rules.release(poll_id, moment)
            assert refused.value.code == code
        released = await rules.release(shown[ResultsShown.ON_RELEASE], after)
        assert results_published(released, after)
        with pytest.raises(PollError) as again:
            await rules.release(released.id, after)
        assert again.value.code == "already_released"


async def test_closing_early_ends_answering_at_once(database: Database, clock: FixedClock) -> None:
    """Closed early while open: the window ends at that moment and an answer after it is
    refused; a poll not yet open or already closed cannot be closed early."""
    now = clock.now()
    poll_id, questions, options = await make_poll(database, now)
    citizen = await make_citizen(database, now)
    async with database.transaction() as session:
        with pytest.raises(PollError) as early:
            await Polls(session).close_early(poll_id, now)
        assert early.value.code == "not_open_yet"
        closed = await Polls(session).close_early(poll_id, now + 2 * HOUR)
        assert closed.closes_at == now + 2 * HOUR
    with pytest.raises(PollError) as refused:
        await _answer(database, poll_id, citizen, full_answer(questions, options), now + 2 * HOUR)
    assert refused.value.code == "closed"


async def test_the_opening_is_announced_once_to_each_audience(
    database: Database, clock: FixedClock
) -> None:
    """The scheduled step announces a poll that has opened, once: one broadcast per
    region of its audience, of the poll's own kind; a poll without questions is not
    announced."""
    now = clock.now()
    poll_id, _q, _o = await make_poll(database, now, regions=[REGION])
    authority_id = await make_authority(database, now, name="Порожня рада")
    async with database.transaction() as session:
        empty = await Polls(session).create(
            PollTerms(
                authority_id=authority_id,
                title="Опитування без питань",
                opens_at=now + HOUR,
                closes_at=now + 2 * HOUR,
            ),
            now,
        )
    for moment, expected in ((now, 0), (now + 2 * HOUR, 1), (now + 2 * HOUR, 0)):
        async with database.transaction() as session:
            assert await Polls(session).announce_opened(moment) == expected
    async with database.transaction() as session:
        broadcasts = list(await session.scalars(select(Broadcast)))
    assert [(b.notice_kind, b.subject_id, b.region) for b in broadcasts] == [
        ("poll_opened", poll_id, REGION)
    ]
    assert empty.id != poll_id


async def test_concurrent_answers_count_each_citizen_once(
    backend: str, database: Database, clock: FixedClock
) -> None:
    """On PostgreSQL, 150 citizens answer at once, 50 of them twice more in parallel (as
    from both messengers): exactly 150 respondents and responses, and the counts add up
    to them."""
    if backend != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL")
    now = clock.now()
    poll_id, questions, options = await make_poll(database, now, anonymous=True)
    citizens = [await make_citizen(database, now) for _ in range(150)]
    attempts = citizens + citizens[:50] * 2
    during = now + 2 * HOUR
    outcomes = await asyncio.gather(
        *(
            _answer(
                database, poll_id, citizen, full_answer(questions, options, citizen % 2), during
            )
            for citizen in attempts
        )
    )
    assert outcomes.count(AnswerOutcome.ANSWERED) == 150
    assert outcomes.count(AnswerOutcome.ALREADY_ANSWERED) == 100
    respondents, responses, _answers = await _stored(database)
    assert (respondents, responses) == (150, 150)
    async with database.transaction() as session:
        results = await Polls(session).results(poll_id)
    assert results.respondents == 150
    assert sum(results.questions[0].counts.values()) == 150
    assert results.questions[2].texts == 150


async def test_a_merged_citizen_keeps_one_answer(database: Database, clock: FixedClock) -> None:
    """Two citizens who turn out to be one: the source's respondent rows and named answers
    move to the target; where both answered one poll, the target's answer stays and the
    source's goes."""
    now = clock.now()
    shared_id, shared_q, shared_o = await make_poll(database, now)
    own_id, own_q, own_o = await make_poll(database, now)
    during = now + 2 * HOUR
    source, target = await make_citizen(database, now), await make_citizen(database, now)
    await _answer(database, shared_id, source, full_answer(shared_q, shared_o, 1), during)
    await _answer(database, shared_id, target, full_answer(shared_q, shared_o, 0), during)
    await _answer(database, own_id, source, full_answer(own_q, own_o), during)
    async with database.transaction() as session:
        await merge_step(session, source, target)
    async with database.transaction() as session:
        rules = Polls(session)
        assert await rules.has_answered(own_id, target)
        assert not await rules.has_answered(own_id, source)
        assert (await rules.answers_of(shared_id, target))[shared_q[0]] == [shared_o[0][0]]
        assert (await rules.results(shared_id)).respondents == 1
        responses = await session.scalar(
            select(func.count()).select_from(PollResponse).where(PollResponse.poll_id == shared_id)
        )
    assert responses == 1
