"""E-consultations in chat: reading section by section (next, previous, a typed number,
a long section in parts cut between words), stances and comments, every refusal with a
clear answer and nothing stored (after the period, a section that does not exist, an
empty or 10,000-character text, a phone number, a fourth flag from the same citizen),
my comments and withdrawing one."""

from __future__ import annotations

from sqlalchemy import func, select

from civic.clock import FixedClock
from civic.consultations import Consultations, ConsultationTerms
from civic.draft_sections import DraftSection
from handlers.core import ConversationCore
from handlers.reading import parts_of
from handlers.replies import Reply
from storage.consultation_models import CommentFlag, CommentStatus, ConsultationComment
from storage.db import Database
from tests.consultation_support import DAY, make_consultation
from tests.helpers import make_authority
from tests.personas import Persona

WORDS = "Кожен парк має бути освітлений і безпечний для мешканців громади. " * 120


def _said(replies: list[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


async def _comments(database: Database) -> list[tuple[str, CommentStatus]]:
    async with database.transaction() as session:
        rows = await session.scalars(select(ConsultationComment).order_by(ConsultationComment.id))
        return [(row.text, row.status) for row in rows]


async def _last_comment_id(database: Database) -> int:
    async with database.transaction() as session:
        found = await session.scalar(select(func.max(ConsultationComment.id)))
    assert found is not None
    return int(found)


def test_a_long_text_is_cut_between_words_into_parts_that_fit() -> None:
    """Parts of at most the limit, every word whole, nothing lost or added."""
    parts = parts_of(WORDS.strip(), 3000)
    assert len(parts) == 3
    assert all(len(part) <= 3000 for part in parts)
    assert " ".join(parts).split() == WORDS.split()
    assert parts_of("Коротко.") == ["Коротко."]


async def test_reading_a_draft_section_by_section(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """The summary, then section 1, a typed number to go to section 3, previous to 2; a
    long section comes in parts with next and previous, cut between words."""
    now = clock.now()
    authority_id = await make_authority(database, now, name="Рада для читання")
    async with database.transaction() as session:
        consultation = await Consultations(session).create(
            ConsultationTerms(
                authority_id=authority_id,
                title="Проєкт правил благоустрою",
                summary="Правила благоустрою парків громади.",
                affected="Мешканці громади та підприємства.",
                opens_at=now,
                closes_at=now + 20 * DAY,
            ),
            [
                DraftSection("Стаття 1", "Перша стаття."),
                DraftSection("Стаття 2", WORDS),
                DraftSection("Стаття 3", "Третя стаття."),
            ],
            now,
        )
    olena = Persona(core, channel="telegram", user_id="951", language_code="en")
    await olena.say("/start")
    await olena.say(f"/start consultation_{consultation.id}")
    assert "Правила благоустрою парків громади." in olena.last.text
    assert "The draft has 3 sections." in olena.last.text
    await olena.press(olena.payload_of("Read the draft"))
    assert "Section 1 of 3" in olena.last.text
    await olena.press(olena.payload_of("Go to section"))
    await olena.say("3")
    assert "Section 3 of 3" in olena.last.text
    assert "Третя стаття." in olena.last.text
    await olena.press(olena.payload_of("Previous"))
    assert "Section 2 of 3" in olena.last.text
    assert "(part 1 of 3)" in olena.last.text
    first = olena.last.text
    await olena.press(olena.payload_of("Next"))
    assert "(part 2 of 3)" in olena.last.text
    assert olena.last.text.split("\n")[3].split()[0] in WORDS.split()
    await olena.press(olena.payload_of("Previous"))
    assert olena.last.text == first


async def test_comments_and_their_refusals_in_chat(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """A stance and a comment are taken; an empty text, a phone number and 10,000
    characters are refused with a reason while the citizen stays to write again; a
    forged payload naming section 9 and a comment after the period are refused; each
    time nothing is stored; my comments list the comment and it can be withdrawn."""
    consultation_id = await make_consultation(database, clock.now())
    clock.at += 2 * DAY
    taras = Persona(core, channel="viber", user_id="taras-v", language_code="en")
    await taras.say("/start")
    await taras.say(f"/start consultation_{consultation_id}")
    supported = await taras.press(taras.payload_of("Support"))
    assert "Your support of the whole draft is counted" in _said(supported)
    await taras.press(f"kw:{consultation_id}:1:comment")
    assert "Type your comment on section 1" in taras.last.text
    for text, reason in (
        ("   .  ", "Write the comment in words."),
        ("Мій номер 067 123 45 67, дзвоніть", "seems to contain a phone number"),
        ("а" * 10_000, "too long: at most 5,000 characters"),
    ):
        await taras.say(text)
        assert reason in taras.last.text, text
        assert [b.label for b in taras.last.choices] == ["Cancel"]  # still writing
    assert await _comments(database) == []
    await taras.say("Додати лавки біля дитячого майданчика.")
    assert "Your comment is published." in taras.last.text
    await taras.press(f"kw:{consultation_id}:9:comment")
    assert "The draft has no section with that number." in taras.last.text
    comment_id = await _last_comment_id(database)
    await taras.press(f"km:{consultation_id}")
    assert f"#{comment_id} (section 1, published): Додати лавки" in taras.last.text
    await taras.press(taras.payload_of(f"Withdraw #{comment_id}"))
    assert f"Comment #{comment_id} is withdrawn." in _said(taras.transcript[-2:])
    clock.at += 30 * DAY
    await taras.press(f"kw:{consultation_id}:1:comment")
    assert "The comment period is over." in taras.last.text
    assert await _comments(database) == [
        ("Додати лавки біля дитячого майданчика.", CommentStatus.WITHDRAWN)
    ]


async def test_a_fourth_flag_from_the_same_citizen_stores_nothing(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """Three citizens flag a comment with a reason (chosen or typed): it waits for a
    moderator; the first flags again and is told one flag per citizen counts; three
    flags stay stored; the author cannot flag their own."""
    consultation_id = await make_consultation(database, clock.now())
    clock.at += 2 * DAY
    author = Persona(core, channel="telegram", user_id="961", language_code="en")
    await author.say("/start")
    await author.press(f"kw:{consultation_id}:1:comment")
    await author.say("Все це марнування коштів громади.")
    comment_id = await _last_comment_id(database)
    flaggers = [
        Persona(core, channel="telegram", user_id=f"96{n}", language_code="en") for n in (2, 3, 4)
    ]
    for number, flagger in enumerate(flaggers):
        await flagger.say("/start")
        await flagger.press(f"kr:{consultation_id}:1:0")
        await flagger.press(flagger.payload_of(f"Flag #{comment_id}"))
        if number == 2:
            await flagger.say("Образа")  # typed
        else:
            await flagger.say("1")  # the first reason, by its number
        assert "a moderator will look at it" in flagger.last.text
    again = flaggers[0]
    await again.press(f"kf:{comment_id}")  # a fourth flag, from the first flagger
    assert "You have already flagged this comment; one flag per citizen counts." in (
        again.last.text
    )
    await author.press(f"kf:{comment_id}")
    assert "You cannot flag your own comment." in author.last.text
    async with database.transaction() as session:
        flags = await session.scalar(select(func.count()).select_from(CommentFlag))
        reasons = sorted(await session.scalars(select(CommentFlag.reason)))
    assert flags == 3
    assert reasons == ["Offensive", "Offensive", "Образа"]
    assert await _comments(database) == [
        ("Все це марнування коштів громади.", CommentStatus.PENDING)
    ]
