"""Requests for public information end to end through the messenger doubles.

Telegram: filed in chat, answered through the civic rules as an official would, and the
answer arrives in the citizen's chat (sent by the notifier from the outbox). Viber: the
authority asks a clarification, the question arrives in Viber, the citizen answers in
chat and the clock restarts.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.modules import product_modules
from bot.notifier import Notifier
from civic.clock import FixedClock
from civic.deadlines import KYIV, end_of_day
from civic.information_requests import AttachedFile, InformationRequests, RequestDraft
from storage import repositories as repo
from storage.db import Database
from storage.models import InformationRequest, Notice, RequestStatus
from tests.channels.telegram.conftest import TelegramHarness, button_data, fake_api, telegram
from tests.channels.telegram.updates import TelegramUser
from tests.channels.viber import builders
from tests.channels.viber.conftest import ViberHarness, fake_viber, viber
from tests.helpers import make_authority

# Fixtures come from the two channels' conftests; importing them makes them usable here.
__all__ = ["fake_api", "fake_viber", "telegram", "viber"]

OLENA = TelegramUser(111_222_333, "Olena", "en")
VIBER_USER = "01234567890A="
BODY = "Please send a copy of the 2026 contract for repairing Shevchenka street."
ANSWER = "The contract No. 17/2026 is attached. " + "Details follow. " * 400


async def _only_request(database: Database) -> InformationRequest:
    async with database.transaction() as session:
        (request,) = (await session.scalars(select(InformationRequest))).all()
        return request


async def test_a_request_filed_on_telegram_is_answered_and_the_answer_reaches_the_chat(
    telegram: TelegramHarness, database: Database, clock: FixedClock
) -> None:
    """Filed through the webhook; answered by the civic rules; the notifier delivers the
    (long, split) answer to the same chat; a second run sends nothing more."""
    await make_authority(database, clock.now())
    api = telegram.api
    await telegram.say(OLENA, "/start")
    await telegram.press(OLENA, "rq")
    await telegram.press(OLENA, "rqn")
    authority = next(d for d in button_data(api.last_message(OLENA.id)) if d.startswith("rqa:"))
    await telegram.press(OLENA, authority)
    await telegram.say(OLENA, BODY)
    await telegram.press(OLENA, "rqu:0")
    await telegram.press(OLENA, "rqd:chat")
    await telegram.say(OLENA, "Olena Koval")
    await telegram.press(OLENA, "rqok")
    registered = api.last_message(OLENA.id)["text"]
    assert "registered under No. ЗІ-2026-000001" in registered
    assert "due by the end of December 4, 2026" in registered

    request = await _only_request(database)
    async with database.transaction() as session:
        await InformationRequests(session).answer(request.id, ANSWER, clock.now())
    notifier = Notifier(
        database, clock, [telegram.channel], KYIV, product_modules().notice_renderers
    )
    shown_before = len(api.chat_messages(OLENA.id))
    assert await notifier.run_once() == 1
    texts = [m["text"] for m in api.chat_messages(OLENA.id)][shown_before:]
    assert len(texts) >= 2, "a long answer comes in several messages"
    assert "Request ЗІ-2026-000001" in texts[0]
    assert "The authority answered" in texts[0]
    assert " ".join(texts).count("Details follow.") == 400
    assert all(len(text) <= 4096 for text in texts)
    assert await notifier.run_once() == 0
    async with database.transaction() as session:
        notice = (await session.scalars(select(Notice))).one()
        assert notice.sent_at == clock.now()


async def test_a_clarification_round_trip_through_viber(
    viber: ViberHarness, database: Database, clock: FixedClock
) -> None:
    """The question reaches the Viber chat; answering it there restarts the 5 working days
    from the answer's day."""
    authority_id = await make_authority(database, clock.now())
    await viber.post(builders.subscribed(VIBER_USER))
    await viber.say(VIBER_USER, "/start")
    await viber.press(VIBER_USER, "Information requests")
    await viber.press(VIBER_USER, "New request")
    await viber.press(VIBER_USER, "Рада")
    await viber.say(VIBER_USER, BODY)
    await viber.say(VIBER_USER, "no")
    await viber.press(VIBER_USER, "In this chat")
    await viber.say(VIBER_USER, "Bohdan Shevchuk")
    await viber.press(VIBER_USER, "Send the request")
    assert "ЗІ-2026-000001" in viber.last(VIBER_USER)["text"]
    request = await _only_request(database)
    assert request.channel == "viber"
    assert request.authority_id == authority_id

    async with database.transaction() as session:
        await InformationRequests(session).ask_clarification(
            request.id, "Which part of the street do you mean?", clock.now()
        )
    assert (
        await Notifier(
            database, clock, [viber.channel], KYIV, product_modules().notice_renderers
        ).run_once()
        == 1
    )
    question = viber.last(VIBER_USER)["text"]
    assert "Which part of the street do you mean?" in question

    await viber.press(VIBER_USER, "Answer the question")
    await viber.say(VIBER_USER, "From house 1 to house 40.")
    assert "The term runs again from today" in viber.last(VIBER_USER)["text"]
    again = await _only_request(database)
    assert again.status is RequestStatus.SUBMITTED
    assert again.clarification_answer == "From house 1 to house 40."
    assert again.due_at == end_of_day(date(2026, 12, 4))


async def test_an_answers_files_arrive_as_documents_on_telegram_and_as_links_on_viber(
    telegram: TelegramHarness, viber: ViberHarness, database: Database, clock: FixedClock
) -> None:
    """Telegram uploads each file (sendDocument); Viber, which bots cannot upload to, gets
    a signed link per file under VZ_PUBLIC_URL."""
    authority = await make_authority(database, clock.now())
    pdf = AttachedFile("договір 17-2026.pdf", "application/pdf", b"%PDF-1.7 demo" * 100)
    await viber.post(builders.subscribed(VIBER_USER))
    async with database.transaction() as session:
        ids = []
        for channel, user in (("telegram", str(OLENA.id)), ("viber", VIBER_USER)):
            account = await repo.lock_account(session, channel, user, "en", clock.now())
            requests = InformationRequests(session)
            filed = await requests.file(
                RequestDraft(authority, BODY, "Olena Koval"),
                account.citizen_id,
                channel,
                "en",
                clock.now(),
            )
            ids.append(filed.request.id)
        for request_id in ids:
            await requests.answer(request_id, "See the contract.", clock.now(), files=[pdf])
    notifier = Notifier(
        database, clock, [telegram.channel, viber.channel], KYIV, product_modules().notice_renderers
    )
    assert await notifier.run_once() == 2
    (document,) = telegram.api.calls_of("sendDocument")
    assert document["chat_id"] == OLENA.id
    assert document["document"].filename == "договір 17-2026.pdf"
    assert document["document"].content == pdf.content
    shown = viber.last(VIBER_USER)["text"]
    assert "📎 договір 17-2026.pdf: http://127.0.0.1:" in shown
    assert "/attachments/" in shown
