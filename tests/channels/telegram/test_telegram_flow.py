"""Citizens on Telegram through the webhook: signing, repeats, contacts, pagination, markup."""

from __future__ import annotations

import asyncio

from civic.clock import FixedClock
from storage.db import Database
from tests.channels.telegram.conftest import TelegramHarness, button_data
from tests.channels.telegram.updates import TelegramUser
from tests.helpers import make_authority, make_open_petition, signature_count

OLENA = TelegramUser(111_222_333, "Olena", "en")


async def test_sign_a_petition_end_to_end_in_english(
    telegram: TelegramHarness, database: Database, clock: FixedClock
) -> None:
    """/start, Petitions, open, Sign, share own contact: counted, and the API count rises by one."""
    petition_id = await make_open_petition(database, clock.now())
    api = telegram.api
    before = (await telegram.petition(petition_id))["signature_count"]

    await telegram.say(OLENA, "/start")
    menu = api.last_message(OLENA.id)
    assert "Main menu" in menu["text"]
    assert "pl:new:0" in button_data(menu)

    await telegram.press(OLENA, "pl:new:0")
    listing = api.last_message(OLENA.id)
    assert listing["message_id"] == menu["message_id"], "the list replaces the menu"
    assert "Open petitions" in listing["text"]

    await telegram.press(OLENA, f"pv:{petition_id}")
    card = api.last_message(OLENA.id)
    assert f"Petition No. {petition_id}" in card["text"]

    await telegram.press(OLENA, f"ps:{petition_id}")
    *_, explanation, request = api.calls_of("sendMessage")
    assert "confirm your phone number" in explanation["text"]
    assert button_data({"reply_markup": explanation["reply_markup"]}) == ["cancel"]
    keyboard = request["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": "📱 Share my phone number", "request_contact": True}]]
    assert request["text"] == "📱 Share my phone number"

    assert await telegram.post(telegram.updates.contact(OLENA, "380501234567")) == 200
    confirmed, counted = api.calls_of("sendMessage")[-2:]
    assert "phone number is confirmed" in confirmed["text"]
    assert confirmed["reply_markup"] == {"remove_keyboard": True}
    assert f"Your signature under petition No. {petition_id} is counted" in counted["text"]
    assert "inline_keyboard" in counted["reply_markup"]

    after = (await telegram.petition(petition_id))["signature_count"]
    assert after == before + 1
    assert await signature_count(database, petition_id) == (1, 1)
    answered = [call["callback_query_id"] for call in api.calls_of("answerCallbackQuery")]
    assert len(answered) == 3, "every button press is answered"


async def test_the_same_update_three_times_signs_once_and_answers_once(
    telegram: TelegramHarness, database: Database, clock: FixedClock
) -> None:
    """A re-delivered update (same update_id) is answered 200 with no second effect or reply."""
    petition_id = await make_open_petition(database, clock.now())
    await telegram.post(telegram.updates.contact(OLENA, "+380501234567"))
    await telegram.say(OLENA, f"/start petition_{petition_id}")
    card = telegram.api.last_message(OLENA.id)
    press = telegram.updates.callback(OLENA, card, f"ps:{petition_id}")
    sent_before = len(telegram.api.calls_of("sendMessage"))

    statuses = [await telegram.post(press) for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert await signature_count(database, petition_id) == (1, 1)
    new_messages = telegram.api.calls_of("sendMessage")[sent_before:]
    assert len(new_messages) == 1
    assert "is counted" in new_messages[0]["text"]


async def test_someone_elses_contact_does_not_count(
    telegram: TelegramHarness, database: Database, clock: FixedClock
) -> None:
    """A contact whose user_id is not the sender's confirms nothing; the phone is asked again."""
    petition_id = await make_open_petition(database, clock.now())
    await telegram.say(OLENA, f"/start petition_{petition_id}")
    await telegram.press(OLENA, f"ps:{petition_id}")

    status = await telegram.post(telegram.updates.contact(OLENA, "+380501234567", owner_id=42))

    assert status == 200
    explanation, request = telegram.api.calls_of("sendMessage")[-2:]
    assert "someone else's contact" in explanation["text"]
    assert request["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    assert await signature_count(database, petition_id) == (0, 0)


async def test_pagination_edits_the_message_instead_of_sending(
    telegram: TelegramHarness, database: Database, clock: FixedClock
) -> None:
    """Next ▶ on the petition list edits that message; no new message is sent."""
    authority_id = await make_authority(database, clock.now())
    for number in range(12):
        await make_open_petition(
            database,
            clock.now(),
            title=f"Петиція номер {number + 1} про парк",
            authority_id=authority_id,
        )
    await telegram.say(OLENA, "/petitions")
    first_page = telegram.api.last_message(OLENA.id)
    next_page = next(data for data in button_data(first_page) if data.startswith("pl:new:1"))
    sent_before = len(telegram.api.calls_of("sendMessage"))

    await telegram.press(OLENA, next_page)

    assert len(telegram.api.calls_of("sendMessage")) == sent_before
    edit = telegram.api.calls_of("editMessageText")[-1]
    assert edit["message_id"] == first_page["message_id"]
    shown = telegram.api.last_message(OLENA.id)
    assert "(page 2)" in shown["text"]
    assert shown["message_id"] == first_page["message_id"]


async def test_an_old_message_that_cannot_be_edited_is_answered_anew(
    telegram: TelegramHarness,
) -> None:
    """When Telegram refuses the edit (message gone), the page is sent as a new message."""
    await telegram.say(OLENA, "/start")
    menu = telegram.api.last_message(OLENA.id)
    gone = dict(menu, message_id=999_999)
    sent_before = len(telegram.api.calls_of("sendMessage"))

    assert await telegram.post(telegram.updates.callback(OLENA, gone, "pl:new:0")) == 200

    assert telegram.api.calls_of("editMessageText", ok_only=False)[-1]["message_id"] == 999_999
    sent = telegram.api.calls_of("sendMessage")[sent_before:]
    assert len(sent) == 1
    assert "Open petitions" in sent[0]["text"]


async def test_markup_in_a_petition_title_arrives_inert(
    telegram: TelegramHarness, database: Database, clock: FixedClock
) -> None:
    """HTML in a title is escaped for parse_mode HTML: shown literally, with no entities."""
    title = "Ремонт <b>даху</b> школи & <script>alert(1)</script> негайно"
    petition_id = await make_open_petition(database, clock.now(), title=title)

    await telegram.say(OLENA, f"/start petition_{petition_id}")

    sent = telegram.api.calls_of("sendMessage")[-1]
    assert sent["parse_mode"] == "HTML"
    assert "&lt;b&gt;даху&lt;/b&gt;" in sent["text"]
    shown = telegram.api.last_message(OLENA.id)
    assert title in shown["text"]
    assert "entities" not in shown


async def test_group_messages_and_stickers(telegram: TelegramHarness) -> None:
    """A group message is ignored (200, no trace); a sticker in private gets an answer."""
    before = await telegram.row_counts()
    assert await telegram.post(telegram.updates.group_message(OLENA, "/start")) == 200
    assert await telegram.row_counts() == before
    assert telegram.api.calls_of("sendMessage") == []

    assert await telegram.post(telegram.updates.sticker(OLENA)) == 200
    assert "did not understand" in telegram.api.last_message(OLENA.id)["text"]


async def test_deep_link_opens_the_petition_and_share_link_points_to_the_bot(
    telegram: TelegramHarness, database: Database, clock: FixedClock
) -> None:
    """/start petition_N opens it; Share gives a t.me link to this bot with that payload."""
    petition_id = await make_open_petition(database, clock.now())

    await telegram.say(OLENA, f"/start petition_{petition_id}")
    await telegram.press(OLENA, f"psh:{petition_id}")

    shared = telegram.api.last_message(OLENA.id)["text"]
    assert f"https://t.me/vzayemodiia_test_bot?start=petition_{petition_id}" in shared


async def test_two_taps_at_once_sign_once(
    telegram: TelegramHarness, database: Database, clock: FixedClock
) -> None:
    """Two presses of Sign arriving together (two updates) count one signature."""
    petition_id = await make_open_petition(database, clock.now())
    await telegram.post(telegram.updates.contact(OLENA, "+380501234567"))
    await telegram.say(OLENA, f"/start petition_{petition_id}")
    card = telegram.api.last_message(OLENA.id)
    presses = [telegram.updates.callback(OLENA, card, f"ps:{petition_id}") for _ in range(2)]

    statuses = await asyncio.gather(*(telegram.post(press) for press in presses))

    assert statuses == [200, 200]
    assert await signature_count(database, petition_id) == (1, 1)
    answers = [call["text"] for call in telegram.api.calls_of("sendMessage")[-2:]]
    assert sum("Your signature under petition" in text for text in answers) == 1
    assert sum("already signed" in text for text in answers) == 1


async def test_cancel_after_phone_request_removes_the_contact_keyboard(
    telegram: TelegramHarness, database: Database, clock: FixedClock
) -> None:
    """Cancelling a phone request takes the "share my phone" keyboard away again."""
    petition_id = await make_open_petition(database, clock.now())
    await telegram.say(OLENA, f"/start petition_{petition_id}")
    await telegram.press(OLENA, f"ps:{petition_id}")
    assert "keyboard" in telegram.api.calls_of("sendMessage")[-1]["reply_markup"]
    sent_before = len(telegram.api.calls_of("sendMessage"))
    await telegram.press(OLENA, "cancel")
    after_cancel = telegram.api.calls_of("sendMessage")[sent_before:]
    assert after_cancel, "cancelling was answered with a new message"
    assert after_cancel[0]["reply_markup"] == {"remove_keyboard": True}
    assert "Cancelled" in after_cancel[0]["text"]
