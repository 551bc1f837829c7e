"""Answering a poll in chat: question by question by buttons and typed numbers, a text
typed, back and review, the phone asked once at submitting, the results as bars and as a
chart whose caption has the same numbers, a changed answer, an anonymous poll answered
once, sealed results, and a forged option refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from civic.clock import FixedClock
from civic.polls import Polls, PollTerms
from handlers.core import ConversationCore
from handlers.replies import Reply
from storage.db import Database
from storage.poll_models import PollRespondent, QuestionKind, ResultsShown
from tests.helpers import make_authority
from tests.personas import Persona

HOUR = timedelta(hours=1)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def _open_poll(
    database: Database,
    clock: FixedClock,
    *,
    anonymous: bool = False,
    changeable: bool = False,
    results_shown: ResultsShown = ResultsShown.AFTER_ANSWER,
) -> tuple[int, list[list[int]]]:
    """A poll open now for two hours with a one-option, an up-to-two-options and a text
    question; (its id, each question's option ids)."""
    now = clock.now()
    authority_id = await make_authority(database, now, name=f"Рада {anonymous}{changeable}")
    async with database.transaction() as session:
        rules = Polls(session)
        poll = await rules.create(
            PollTerms(
                authority_id=authority_id,
                title="Parks of the city",
                opens_at=now + timedelta(minutes=1),
                closes_at=now + 2 * HOUR,
                anonymous=anonymous,
                changeable=changeable,
                results_shown=results_shown,
            ),
            now,
        )
        first = await rules.add_question(
            poll.id, "Which park first?", QuestionKind.SINGLE, ["Central", "Southern"], 1, now
        )
        second = await rules.add_question(
            poll.id, "What to add?", QuestionKind.MULTIPLE, ["Benches", "Lights", "Toilets"], 2, now
        )
        await rules.add_question(poll.id, "Your ideas?", QuestionKind.TEXT, [], 1, now)
    clock.at = now + 10 * timedelta(minutes=1)
    return poll.id, [[o.id for o in first.options], [o.id for o in second.options]]


def _texts(replies: list[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


async def _respondents(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(PollRespondent)) or 0)


async def test_a_citizen_answers_reviews_submits_and_sees_the_chart(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """Buttons and typed numbers answer, Back returns to the previous question, a text is
    typed, the review lists every answer, the phone is asked once and the answer counted
    on sharing it; the results come as bars and as a PNG whose caption has the numbers."""
    await _open_poll(database, clock)
    olena = Persona(core, channel="telegram", user_id="901", language_code="en")
    await olena.say("/start")
    await olena.say("/polls")
    assert "Parks of the city" in olena.last.text
    await olena.press(olena.payload_of("Parks of the city"))
    assert "3 questions." in olena.last.text
    assert "Results show once you have answered." in olena.last.text
    await olena.press(olena.payload_of("Answer"))
    assert "Question 1 of 3" in olena.last.text
    await olena.say("2")  # the second option: Southern
    assert "Question 2 of 3" in olena.last.text
    await olena.press(olena.payload_of("Back"))
    assert "Question 1 of 3" in olena.last.text
    assert "✅ Southern" in [button.label for button in olena.last.choices]
    await olena.press(olena.payload_of("Central"))
    await olena.press(olena.payload_of("Benches"))
    await olena.say("2")  # Lights, by its number
    over = await olena.press(olena.payload_of("Toilets"))  # a third: over the limit
    assert "at most 2 options" in _texts(over)
    await olena.press(olena.payload_of("Done"))
    assert "Question 3 of 3" in olena.last.text
    await olena.say("More trees, please")
    assert "Your answer:" in olena.last.text
    assert "→ Central" in olena.last.text
    assert "→ Benches; Lights" in olena.last.text
    assert "→ More trees, please" in olena.last.text
    asked = await olena.press(olena.payload_of("Submit"))
    assert "confirm your phone number" in _texts(asked)
    assert await _respondents(database) == 0
    shared = "\n".join(reply.text for reply in await olena.share_phone("+380671234501"))
    assert "your answer is counted" in shared
    assert await _respondents(database) == 1
    await olena.press(olena.payload_of("Results"))
    chart = olena.last
    assert chart.image is not None
    assert chart.image.png.startswith(PNG_SIGNATURE)
    caption = chart.image.alt_text
    assert "1 respondent." in caption
    assert "▓▓▓▓▓▓▓▓▓▓ 100% · 1 — Central" in caption
    assert "░░░░░░░░░░ 0% · 0 — Southern" in caption
    assert "1 written answer" in caption


async def test_a_changeable_answer_is_changed_and_an_anonymous_one_is_not(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """A named changeable poll offers "Change my answer", starts from the answer given and
    replaces it; an anonymous poll answered once says so and offers no change."""
    named_id, named = await _open_poll(database, clock, changeable=True)
    anonymous_id, _anon = await _open_poll(database, clock, anonymous=True)
    taras = Persona(core, channel="telegram", user_id="902", language_code="en")
    await taras.say("/start")
    await taras.share_phone("+380671234502")
    for poll_id in (named_id, anonymous_id):
        await taras.say(f"/start poll_{poll_id}")
        await taras.press(taras.payload_of("Answer"))
        await taras.press(taras.payload_of("Central"))
        await taras.press(taras.payload_of("Lights"))
        await taras.press(taras.payload_of("Done"))
        await taras.press(taras.payload_of("Skip"))
        await taras.press(taras.payload_of("Submit"))
        assert "your answer is counted" in taras.last.text
    await taras.say(f"/start poll_{named_id}")
    assert "→ Central" in taras.last.text
    await taras.press(taras.payload_of("Change my answer"))
    assert "✅ Central" in [button.label for button in taras.last.choices]
    await taras.press(taras.payload_of("Southern"))
    await taras.press(taras.payload_of("Done"))
    await taras.press(taras.payload_of("Skip"))
    await taras.press(taras.payload_of("Submit"))
    assert "Your answer is changed." in taras.last.text
    await taras.say(f"/start poll_{anonymous_id}")
    assert "You have answered this poll." in taras.last.text
    assert "Your answer:" not in taras.last.text  # nothing links it to him
    labels = [button.label for button in taras.last.choices]
    assert not any("Change" in label or "Answer" in label for label in labels)
    async with database.transaction() as session:
        citizen_id = await session.scalar(
            select(PollRespondent.citizen_id).where(PollRespondent.poll_id == named_id)
        )
        assert citizen_id is not None
        answers = await Polls(session).answers_of(named_id, citizen_id)
    assert list(answers.values()) == [[named[0][1]], [named[1][1]]]
    assert await _respondents(database) == 2


async def test_sealed_results_are_not_shown_and_a_forged_option_is_refused(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """Results after closing: none after answering, the reason said instead, even for a
    pressed results payload; an option of another question pressed as this one's is
    refused with a reason, and nothing is stored."""
    poll_id, options = await _open_poll(database, clock, results_shown=ResultsShown.AFTER_CLOSE)
    ira = Persona(core, channel="viber", user_id="ira-v", language_code="en")
    await ira.say("/start")
    await ira.share_phone("+380671234503")
    await ira.say(f"/start poll_{poll_id}")
    assert "Results show once the poll closes." in ira.last.text
    await ira.press(f"yc:{poll_id}")
    assert ira.last.image is None
    assert "Results show once the poll closes." in ira.last.text
    await ira.press(ira.payload_of("Back"))
    await ira.press(ira.payload_of("Answer"))
    forged = await ira.press(f"yp:{poll_id}:0:{options[1][0]}")
    assert "That option is not in this question." in _texts(forged)
    assert "Question 1 of 3" in ira.last.text
    assert await _respondents(database) == 0
