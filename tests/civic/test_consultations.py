"""E-consultations' rules: the minimum period, stances counted once, comments refused
with a reason and nothing stored (after the period, on a section that does not exist,
empty, 10,000 characters, with a phone number), premoderation, withdrawing, flags (a
repeat stores nothing, the third citizen's hides until a moderator looks), hiding with
the author told, outcomes and the report owed to every participant, counts equal to
the rows, and the merge of two citizens."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from civic.clock import FixedClock
from civic.consultations import (
    HIDDEN_NOTICE,
    OPENED_NOTICE,
    OUTCOMES_NOTICE,
    ConsultationError,
    Consultations,
    ConsultationTerms,
    merge_step,
)
from storage.consultation_models import (
    CommentFlag,
    CommentKind,
    CommentStatus,
    ConsultationComment,
    ConsultationStance,
    Moderation,
    Outcome,
    Stance,
)
from storage.db import Database
from storage.models import Authority, Notice
from storage.outbox_models import Broadcast, FanOut
from tests.consultation_support import DAY, SECTIONS, make_citizen, make_consultation
from tests.helpers import make_authority


async def _comment(
    database: Database,
    consultation_id: int,
    citizen_id: int,
    number: int,
    text: str,
    now: datetime,
    kind: CommentKind = CommentKind.COMMENT,
) -> int:
    async with database.transaction() as session:
        comment = await Consultations(session).comment(
            consultation_id, citizen_id, number, kind, text, now
        )
        return comment.id


async def _rows(database: Database) -> tuple[int, int, int]:
    """Comments, stances and flags stored."""
    async with database.transaction() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (ConsultationComment, ConsultationStance, CommentFlag)
        ]
    return (int(counts[0] or 0), int(counts[1] or 0), int(counts[2] or 0))


async def test_the_period_is_at_least_the_authoritys_minimum(
    database: Database, clock: FixedClock
) -> None:
    """14 days is refused by the default minimum of 15; an authority with a minimum of 30
    refuses 20; the report is due the authority's days after closing (14 by default)."""
    now = clock.now()
    authority_id = await make_authority(database, now, name="Рада з мінімумом")
    terms = ConsultationTerms(
        authority_id=authority_id,
        title="Проєкт рішення про благоустрій",
        summary="Порядок благоустрою парків громади.",
        affected="Мешканці громади та підприємства.",
        opens_at=now,
        closes_at=now + 14 * DAY,
    )
    async with database.transaction() as session:
        rules = Consultations(session)
        with pytest.raises(ConsultationError) as short:
            await rules.create(terms, SECTIONS, now)
        assert short.value.code == "period_too_short"
        made = await rules.create(
            ConsultationTerms(**{**terms.__dict__, "closes_at": now + 15 * DAY}), SECTIONS, now
        )
        assert made.report_due_at == now + 29 * DAY
    async with database.transaction() as session:
        found = await session.get(Authority, authority_id)
        assert found is not None
        found.consultation_min_days = 30
    async with database.transaction() as session:
        with pytest.raises(ConsultationError) as stricter:
            await Consultations(session).create(
                ConsultationTerms(**{**terms.__dict__, "closes_at": now + 20 * DAY}),
                SECTIONS,
                now,
            )
        assert stricter.value.code == "period_too_short"


async def test_refused_comments_say_why_and_store_nothing(
    database: Database, clock: FixedClock
) -> None:
    """Before opening, after closing, on section 9 of three, empty, 10,000 characters,
    with a phone number or an e-mail address: each refused with its reason; nothing is
    stored; then a good comment is."""
    now = clock.now()
    consultation_id = await make_consultation(database, now)
    citizen = await make_citizen(database, now)
    during = now + 2 * DAY
    cases = [
        (1, "Пропоную додати лавки.", now, "not_open_yet"),
        (1, "Пропоную додати лавки.", now + 22 * DAY, "closed"),
        (9, "Пропоную додати лавки.", during, "unknown_section"),
        (1, "   ", during, "text_empty"),
        (1, "а" * 10_000, during, "text_too_long"),
        (1, "Дзвоніть мені: +380 67 123 45 67", during, "personal_data_phone"),
        (2, "Пишіть на olena@example.org", during, "personal_data_email"),
    ]
    for number, text, moment, code in cases:
        with pytest.raises(ConsultationError) as refused:
            await _comment(database, consultation_id, citizen, number, text, moment)
        assert refused.value.code == code, code
    assert await _rows(database) == (0, 0, 0)
    await _comment(database, consultation_id, citizen, 0, "Підтримую проєкт загалом.", during)
    assert await _rows(database) == (1, 0, 0)


async def test_stances_count_once_and_counts_equal_the_rows(
    database: Database, clock: FixedClock
) -> None:
    """A citizen supports section 1 twice and then objects: one objection counted; the
    whole draft's and each section's counts are the rows; a withdrawn or pending comment
    is not counted as published."""
    now = clock.now()
    consultation_id = await make_consultation(database, now)
    during = now + 2 * DAY
    olena, taras = await make_citizen(database, now), await make_citizen(database, now)
    async with database.transaction() as session:
        rules = Consultations(session)
        for stance in (Stance.SUPPORT, Stance.SUPPORT, Stance.OBJECT):
            await rules.set_stance(consultation_id, olena, 1, stance, during)
        await rules.set_stance(consultation_id, taras, 1, Stance.SUPPORT, during)
        await rules.set_stance(consultation_id, taras, 0, Stance.SUPPORT, during)
        with pytest.raises(ConsultationError) as missing:
            await rules.set_stance(consultation_id, taras, 4, Stance.SUPPORT, during)
        assert missing.value.code == "unknown_section"
    kept = await _comment(database, consultation_id, olena, 2, "Додати кошти на лавки.", during)
    gone = await _comment(database, consultation_id, taras, 2, "Передумав, зніму.", during)
    async with database.transaction() as session:
        await Consultations(session).withdraw(gone, taras, during)
        with pytest.raises(ConsultationError) as foreign:
            await Consultations(session).withdraw(kept, taras, during)
        assert foreign.value.code == "unknown_comment"
        counts = await Consultations(session).counts(consultation_id)
    assert [(c.comments, c.support, c.objections) for c in counts] == [
        (0, 1, 0),  # the whole draft
        (0, 1, 1),
        (1, 0, 0),
        (0, 0, 0),
    ]
    assert await _rows(database) == (2, 3, 0)


async def test_flags_hide_at_three_citizens_and_a_repeat_stores_nothing(
    database: Database, clock: FixedClock
) -> None:
    """Three citizens flag a comment: it waits for a moderator, in the queue with three
    flags and their reasons; one of them flagging a fourth time stores nothing; the
    author cannot flag their own; the moderator publishes it, and flags no longer hide
    it; hiding it tells its author."""
    now = clock.now()
    consultation_id = await make_consultation(database, now)
    during = now + 2 * DAY
    author = await make_citizen(database, now)
    flaggers = [await make_citizen(database, now) for _ in range(4)]
    comment_id = await _comment(database, consultation_id, author, 1, "Все це дурниці.", during)
    async with database.transaction() as session:
        rules = Consultations(session)
        with pytest.raises(ConsultationError) as own:
            await rules.flag(comment_id, author, "спам", during)
        assert own.value.code == "own_comment"
        for flagger in flaggers[:3]:
            assert await rules.flag(comment_id, flagger, "образа", during)
        assert not await rules.flag(comment_id, flaggers[0], "ще раз", during)
    assert await _rows(database) == (1, 0, 3)
    async with database.transaction() as session:
        rules = Consultations(session)
        queue = await rules.moderation_queue(consultation_id)
        assert [(item.comment.id, item.flags, item.reasons) for item in queue] == [
            (comment_id, 3, ["образа"] * 3)
        ]
        assert await rules.published(consultation_id, 1, limit=10) == []
        await rules.approve(comment_id, during)
    async with database.transaction() as session:
        rules = Consultations(session)
        assert await rules.flag(comment_id, flaggers[3], "образа", during)
        assert [c.id for c in await rules.published(consultation_id, 1, limit=10)] == [comment_id]
        await rules.hide(comment_id, "Образливі слова", during)
    async with database.transaction() as session:
        comment = await session.get(ConsultationComment, comment_id)
        assert comment is not None
        assert (comment.status, comment.hidden_reason) == (CommentStatus.HIDDEN, "Образливі слова")
        notices = (await session.scalars(select(Notice))).all()
    assert [(n.kind, n.citizen_id, n.subject_id) for n in notices] == [
        (HIDDEN_NOTICE, author, comment_id)
    ]


async def test_premoderated_comments_wait_and_the_report_needs_every_outcome(
    database: Database, clock: FixedClock
) -> None:
    """Premoderated: a comment waits; the report is refused while open, while a comment
    waits for a moderator, and while an outcome is missing; outcomes in bulk for comments
    of this consultation only; then the report is published once and a fan-out owes
    every participant their outcomes."""
    now = clock.now()
    consultation_id = await make_consultation(database, now, moderation=Moderation.PREMODERATED)
    other_id = await make_consultation(database, now)
    during, after = now + 2 * DAY, now + 22 * DAY
    olena, taras = await make_citizen(database, now), await make_citizen(database, now)
    first = await _comment(database, consultation_id, olena, 1, "Додати лавки біля озера.", during)
    second = await _comment(
        database,
        consultation_id,
        taras,
        2,
        "Нова редакція: кошти з бюджету розвитку.",
        during,
        CommentKind.WORDING,
    )
    foreign = await _comment(database, other_id, taras, 1, "Інша консультація.", during)
    async with database.transaction() as session:
        rules = Consultations(session)
        assert await rules.published(consultation_id, 1, limit=10) == []
        with pytest.raises(ConsultationError) as early:
            await rules.publish_report(consultation_id, during)
        assert early.value.code == "still_open"
        with pytest.raises(ConsultationError) as waiting:
            await rules.publish_report(consultation_id, after)
        assert waiting.value.code == "moderation_pending"
        await rules.approve(first, during)
        await rules.approve(second, during)
        with pytest.raises(ConsultationError) as missing:
            await rules.publish_report(consultation_id, after)
        assert missing.value.code == "outcomes_missing"
        with pytest.raises(ConsultationError) as forged:
            await rules.record_outcome(
                consultation_id, [first, foreign], Outcome.ACCEPTED, "Так.", after
            )
        assert forged.value.code == "unknown_comment"
        assert (
            await rules.record_outcome(
                consultation_id,
                [first, second],
                Outcome.PARTLY_ACCEPTED,
                "Частково враховано.",
                after,
            )
            == 2
        )
        await rules.record_outcome(
            consultation_id, [second], Outcome.REJECTED, "Бюджет не дозволяє.", after
        )
        reported = await rules.publish_report(consultation_id, after)
        assert reported.report_published_at == after
        with pytest.raises(ConsultationError) as again:
            await rules.publish_report(consultation_id, after)
        assert again.value.code == "already_reported"
        outcomes = [(c.id, c.outcome) for c in await rules.reported_comments(consultation_id)]
        fan_outs = (await session.scalars(select(FanOut))).all()
    assert outcomes == [(first, Outcome.PARTLY_ACCEPTED), (second, Outcome.REJECTED)]
    assert [(f.kind, f.subject_id) for f in fan_outs] == [(OUTCOMES_NOTICE, consultation_id)]


async def test_a_merged_citizen_keeps_one_stance_per_section(
    database: Database, clock: FixedClock
) -> None:
    """The source's comments move; a stance on a section the target also took stays the
    target's; the others move; a flag on a comment both flagged counts once."""
    now = clock.now()
    consultation_id = await make_consultation(database, now)
    during = now + 2 * DAY
    source, target, author = [await make_citizen(database, now) for _ in range(3)]
    comment_id = await _comment(database, consultation_id, author, 1, "Додати лавки.", during)
    own = await _comment(database, consultation_id, source, 2, "Мій коментар.", during)
    async with database.transaction() as session:
        rules = Consultations(session)
        await rules.set_stance(consultation_id, source, 1, Stance.OBJECT, during)
        await rules.set_stance(consultation_id, source, 2, Stance.SUPPORT, during)
        await rules.set_stance(consultation_id, target, 1, Stance.SUPPORT, during)
        await rules.flag(comment_id, source, "", during)
        await rules.flag(comment_id, target, "", during)
    async with database.transaction() as session:
        await merge_step(session, source, target)
    async with database.transaction() as session:
        stances = {
            (s.section_number, s.stance)
            for s in await session.scalars(
                select(ConsultationStance).where(ConsultationStance.citizen_id == target)
            )
        }
        flags = await session.scalar(select(func.count()).select_from(CommentFlag))
        moved = await session.get(ConsultationComment, own)
    assert stances == {(1, Stance.SUPPORT), (2, Stance.SUPPORT)}
    assert flags == 1
    assert moved is not None
    assert moved.citizen_id == target


async def test_the_opening_is_announced_once(database: Database, clock: FixedClock) -> None:
    """The scheduled step announces a consultation once it opens, once: a module
    announcement of its own kind to everyone (no regions chosen)."""
    now = clock.now()
    consultation_id = await make_consultation(database, now)
    for moment, expected in ((now, 0), (now + 2 * DAY, 1), (now + 2 * DAY, 0)):
        async with database.transaction() as session:
            assert await Consultations(session).announce_opened(moment) == expected
    async with database.transaction() as session:
        broadcasts = list(await session.scalars(select(Broadcast)))
    assert [(b.notice_kind, b.subject_id, b.region) for b in broadcasts] == [
        (OPENED_NOTICE, consultation_id, None)
    ]
