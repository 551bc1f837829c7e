"""Filing a request for public information in chat, the directory, and My requests.

The clock is Fri 27 Nov 2026 12:00 Kyiv: an ordinary request is due by the end of
Fri 4 Dec 2026 (worked out by hand).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic.clock import FixedClock
from civic.information_requests import InformationRequests
from storage.db import Database
from storage.models import InformationRequest, RequestStatus
from tests.e2e_support import number_of
from tests.helpers import make_authority
from tests.personas import Persona

BODY = "Please send a copy of the 2026 contract for repairing Shevchenka street."


async def choose(persona: Persona, label_part: str) -> None:
    await persona.say(number_of(persona, label_part))


async def file_by_typing(alice: Persona, *, urgent: str = "no") -> None:
    """The whole filing flow with typed numbers and words only."""
    await alice.say("/start")
    await choose(alice, "Information requests")
    await choose(alice, "New request")
    assert "Step 1 of 5" in alice.last.text
    await choose(alice, "Рада")
    assert "Step 2 of 5" in alice.last.text
    await alice.say(BODY)
    assert "Step 3 of 5" in alice.last.text
    await alice.say(urgent)
    assert "Step 4 of 5" in alice.last.text
    await choose(alice, "In this chat")
    assert "Step 5 of 5" in alice.last.text
    await alice.say("Olena Koval")
    assert "Please check your request" in alice.last.text
    await choose(alice, "Send the request")


async def _requests(database: Database) -> list[InformationRequest]:
    async with database.transaction() as session:
        return list((await session.scalars(select(InformationRequest))).all())


async def test_a_request_filed_by_typing_gets_its_number_and_explained_due_date(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """Numbers and yes/no typed: registered as ЗІ-2026-000001, due by the end of
    4 December 2026, with how that was counted."""
    await make_authority(database, clock.now())
    await file_by_typing(alice)
    text = alice.last.text
    assert "registered under No. ЗІ-2026-000001" in text
    assert "due by the end of December 4, 2026: 5 working days after November 27, 2026" in text
    assert "weekends and public holidays not counted" in text
    (stored,) = await _requests(database)
    assert stored.requester_name == "Olena Koval"
    assert stored.reply_email is None
    assert not stored.urgent


async def test_the_urgent_track_is_chosen_with_a_typed_yes(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """Typing "yes" at step 3 files an urgent request: due 48 hours after receipt."""
    await make_authority(database, clock.now())
    await file_by_typing(alice, urgent="yes")
    assert "48 hours after the request was received" in alice.last.text
    (stored,) = await _requests(database)
    assert stored.urgent
    assert stored.due_at == clock.now() + timedelta(hours=48)


async def test_a_bad_e_mail_and_a_huge_request_are_refused_and_nothing_is_filed(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """A 20,000-character text and an address without a domain each get a clear answer;
    the flow waits at the same step and nothing is stored until the end."""
    await make_authority(database, clock.now())
    await alice.press("rqn")
    await choose(alice, "Рада")
    await alice.say("я" * 20_000)
    assert "10,000" in alice.last.text
    await alice.say(BODY)
    await alice.press("rqu:0")
    await alice.press("rqd:email")
    await alice.say("olena@nowhere")
    assert "does not look like an e-mail address" in alice.last.text
    await alice.say("olena@example.org")
    assert "Step 5 of 5" in alice.last.text
    assert await _requests(database) == []


async def test_my_requests_show_days_left_then_the_answer(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """The list shows the number, status and working days left; once the authority
    answers through the civic rules, opening the request shows the answer."""
    await make_authority(database, clock.now())
    await file_by_typing(alice)
    await alice.press("rqm")
    assert "ЗІ-2026-000001" in alice.last.text
    assert "awaiting the answer" in alice.last.text
    assert "5 working days left" in alice.last.text
    (stored,) = await _requests(database)
    async with database.transaction() as session:
        await InformationRequests(session).answer(
            stored.id, "The contract is attached.", clock.now()
        )
    await alice.press(f"rqo:{stored.id}")
    assert "Status: answered" in alice.last.text
    assert "The contract is attached." in alice.last.text


async def test_a_clarification_is_answered_in_chat_and_the_clock_restarts(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """The authority asks a question; the citizen answers from My requests; the new due
    date is counted from today again."""
    await make_authority(database, clock.now())
    await file_by_typing(alice)
    (stored,) = await _requests(database)
    async with database.transaction() as session:
        await InformationRequests(session).ask_clarification(
            stored.id, "Which part of the street do you mean?", clock.now()
        )
    await alice.press(f"rqo:{stored.id}")
    assert "The authority asks: Which part of the street do you mean?" in alice.last.text
    await alice.press(alice.payload_of("Answer the question"))
    await alice.say("From house 1 to house 40.")
    assert "The term runs again from today" in alice.last.text
    async with database.transaction() as session:
        again = await session.get(InformationRequest, stored.id)
        assert again is not None
        assert again.status is RequestStatus.SUBMITTED
        assert again.clarification_answer == "From house 1 to house 40."


async def test_someone_elses_request_cannot_be_opened_or_withdrawn(
    alice: Persona, bohdan: Persona, database: Database, clock: FixedClock
) -> None:
    """Bohdan pressing Alice's request buttons sees his own (empty) list; nothing changes."""
    await make_authority(database, clock.now())
    await file_by_typing(alice)
    (stored,) = await _requests(database)
    await bohdan.press(f"rqo:{stored.id}")
    await bohdan.press(f"rqwy:{stored.id}")
    assert "ЗІ-2026-000001" not in bohdan.last.text
    async with database.transaction() as session:
        status = await session.scalar(select(InformationRequest.status))
        assert status is RequestStatus.SUBMITTED
        assert await session.scalar(select(func.count(InformationRequest.id))) == 1


async def test_the_directory_finds_an_authority_and_its_deep_link_opens_the_card(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """Words from the name find it; authority_<id> opens its card with contacts and a
    button to request information from it."""
    authority_id = await make_authority(database, clock.now(), name="Вінницька міська рада")
    await alice.press("ad")
    await alice.say("вінницька")
    assert "Вінницька міська рада (en)" in alice.last.text
    await alice.say(f"/start authority_{authority_id}")
    card = alice.last.text
    assert "Local councils and administrations" in card
    assert "E-petitions: 300 signatures within 30 days." in card
    assert alice.payload_of("Request information") == f"rqa:{authority_id}"
    await alice.say("/start authority_999999")
    assert "not in the directory" in alice.last.text


async def test_an_authority_that_does_not_exist_restarts_the_choice(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """A forged authority button leads back to step 1, a garbled one to the menu; nothing
    is filed."""
    await make_authority(database, clock.now())
    await alice.press("rqn")
    await alice.press("rqa:999999")
    assert "Step 1 of 5" in alice.last.text
    await alice.press("rqa:abc")
    assert "That button is no longer valid" in alice.last.text
    assert await _requests(database) == []


async def _at_the_urgency_step(alice: Persona, database: Database, clock: FixedClock) -> None:
    await make_authority(database, clock.now())
    await alice.say("/start")
    await choose(alice, "Information requests")
    await choose(alice, "New request")
    await choose(alice, "Рада")
    await alice.say(BODY)
    assert "Step 3 of 5" in alice.last.text


@pytest.mark.parametrize(
    ("typed", "urgent"),
    [("так", True), ("Т", True), ("ні.", False), ("YES!", True), ("n", False), ("Yes", True)],
)
async def test_yes_and_no_are_the_catalogs_words_in_either_language(
    alice: Persona, database: Database, clock: FixedClock, typed: str, urgent: bool
) -> None:
    """The urgent track is chosen by typing the catalogs' yes or no, Ukrainian or English,
    whatever the citizen's language."""
    await _at_the_urgency_step(alice, database, clock)
    await alice.say(typed)
    assert "Step 4 of 5" in alice.last.text
    await choose(alice, "In this chat")
    await alice.say("Olena Koval")
    await choose(alice, "Send the request")
    (stored,) = await _requests(database)
    assert stored.urgent is urgent


@pytest.mark.parametrize("typed", ["да", "нет", "ok", "ага", "maybe"])
async def test_words_in_no_catalog_are_not_an_answer(
    alice: Persona, database: Database, clock: FixedClock, typed: str
) -> None:
    """Words that are neither language's yes or no (Russian ones included) are asked
    again, and nothing moves on."""
    await _at_the_urgency_step(alice, database, clock)
    replies = await alice.say(typed)
    assert "Please answer yes or no." in replies[0].text
    assert "Step 3 of 5" in alice.last.text
