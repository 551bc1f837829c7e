"""Citizens on Viber end to end: welcome from a deep link, buttons, signing, reachability."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.channels.viber.render import PHONE_REQUEST_MARKER
from civic.clock import FixedClock
from storage.db import Database
from storage.models import ProcessedEvent
from tests.channels.viber import builders
from tests.channels.viber.conftest import ViberHarness
from tests.e2e_support import account_of
from tests.helpers import make_open_petition, signature_count

PHONE = "+380501234567"


async def _api_count(viber: ViberHarness, petition_id: int) -> int:
    async with viber.http.get(f"/api/v1/petitions/{petition_id}") as response:
        assert response.status == 200
        count = (await response.json())["signature_count"]
        assert isinstance(count, int)
        return count


async def _sign_until_phone_request(viber: ViberHarness, user_id: str, petition_id: int) -> None:
    """Open the petition from a deep link, subscribe, tap Sign: the phone request shows."""
    await viber.post(builders.conversation_started(user_id, context=f"petition_{petition_id}"))
    await viber.post(builders.subscribed(user_id))
    await viber.press(user_id, "Sign")
    assert viber.last(user_id)["tracking_data"] == PHONE_REQUEST_MARKER


async def test_english_citizen_signs_from_a_deep_link(
    viber: ViberHarness, database: Database, clock: FixedClock
) -> None:
    """Deep-link welcome, menu and list buttons, sign, share-phone: counted once in the API."""
    petition_id = await make_open_petition(database, clock.now(), title="Safe crossing by school")
    before = await _api_count(viber, petition_id)
    user = "01234567890A="

    answer = await viber.post(
        builders.conversation_started(user, context=f"petition_{petition_id}")
    )
    assert answer.status == 200
    welcome = answer.json()
    assert welcome["type"] == "text"
    assert welcome["sender"] == {"name": "VzayemoDiia"}
    assert "Safe crossing by school" in welcome["text"]
    actions = [b["ActionBody"] for b in welcome["keyboard"]["Buttons"]]
    assert f"vz:ps:{petition_id}" in actions
    assert viber.fake.calls_to("send_message") == []  # nothing is sent before subscribing

    assert (await viber.post(builders.subscribed(user))).status == 200
    await viber.press(user, "Main menu")
    menu = viber.last(user)
    assert "Main menu" in menu["text"]
    assert menu["receiver"] == user
    await viber.say(user, "Petitions")  # typing a button's label works like tapping it
    assert "Safe crossing by school" in str(viber.last(user)["keyboard"])
    await viber.press(user, "Safe crossing")
    await viber.press(user, "Sign")
    request = viber.last(user)
    assert request["min_api_version"] == 3
    assert request["tracking_data"] == PHONE_REQUEST_MARKER
    assert request["keyboard"]["Buttons"][0]["ActionType"] == "share-phone"

    answer = await viber.post(
        builders.contact_message(user, PHONE, tracking_data=request["tracking_data"])
    )
    assert answer.status == 200
    texts = [message["text"] for message in viber.screen(user)[-2:]]
    assert "confirmed" in texts[0]
    assert f"No. {petition_id} is counted" in texts[1]
    assert await _api_count(viber, petition_id) == before + 1
    assert await signature_count(database, petition_id) == (1, 1)

    await viber.press(user, "Share")
    assert (
        f"viber://pa?chatURI=vzayemodiia-test&context=petition_{petition_id}"
        in viber.last(user)["text"]
    )


async def test_fifty_parallel_copies_of_a_sign_callback(
    viber: ViberHarness, database: Database, clock: FixedClock
) -> None:
    """The same "sign" callback fifty times at once: one signature, one confirmation."""
    petition_id = await make_open_petition(database, clock.now())
    user = "parallel-user"
    await viber.post(builders.conversation_started(user, context=f"petition_{petition_id}"))
    await viber.post(builders.subscribed(user))
    await viber.say(user, "vz:phone")  # confirm the phone first, so that "sign" signs
    request = viber.last(user)
    await viber.post(builders.contact_message(user, PHONE, tracking_data=request["tracking_data"]))
    assert "confirmed" in viber.last(user)["text"]
    sent_before = len(viber.fake.messages_to(user))

    sign = builders.text_message(user, f"vz:ps:{petition_id}")
    answers = await asyncio.gather(*(viber.post(sign) for _ in range(50)))

    assert [answer.status for answer in answers] == [200] * 50
    assert await signature_count(database, petition_id) == (1, 1)
    confirmations = viber.fake.messages_to(user)[sent_before:]
    assert len(confirmations) == 1
    assert f"No. {petition_id} is counted" in confirmations[0]["text"]
    async with database.transaction() as session:
        stored = select(func.count()).where(ProcessedEvent.event_id == str(sign["message_token"]))
        assert (await session.execute(stored)).scalar_one() == 1


async def test_repeated_conversation_started_is_answered_once(viber: ViberHarness) -> None:
    """A re-delivered conversation_started gets 200 with no second welcome."""
    callback = builders.conversation_started("again")
    first = await viber.post(callback)
    second = await viber.post(callback)
    assert first.status == second.status == 200
    assert "Main menu" in first.json()["text"]
    assert second.body == b""


async def test_welcome_follows_the_users_language(viber: ViberHarness) -> None:
    """A Ukrainian device gets the Ukrainian welcome; English labels are not shown."""
    answer = await viber.post(builders.conversation_started("uk-user", language="uk"))
    assert "Petitions" not in str(answer.json()["keyboard"])
    assert "Петиції" in str(answer.json()["keyboard"])


async def test_subscribe_and_unsubscribe_track_reachability(
    viber: ViberHarness, database: Database
) -> None:
    """unsubscribed marks the account unreachable; subscribed marks it reachable again."""
    user = "toggling"
    await viber.post(builders.conversation_started(user))
    assert (await viber.post(builders.unsubscribed(user))).status == 200
    assert (await account_of(database, "viber", user)).reachable is False
    assert (await viber.post(builders.subscribed(user))).status == 200
    assert (await account_of(database, "viber", user)).reachable is True


async def test_send_refused_as_not_subscribed_marks_unreachable(
    viber: ViberHarness, database: Database
) -> None:
    """A reply refused with status 6 marks the account unreachable; the webhook still says 200."""
    user = "left-quietly"
    await viber.post(builders.conversation_started(user))
    viber.fake.unsubscribe(user)
    answer = await viber.say(user, "vz:menu")
    assert answer.status == 200
    assert viber.fake.messages_to(user) == []
    assert (await account_of(database, "viber", user)).reachable is False


async def test_failed_callback_for_unsubscribed_user_marks_unreachable(
    viber: ViberHarness, database: Database
) -> None:
    """A failed callback saying the user unsubscribed marks unreachable; other failures do not."""
    descriptions = {
        "f1": "user is not subscribed",
        "f2": "Message was blocked by the user",
        "f3": "temporary error",
        "f4": "public account blocked",
    }
    for user, desc in descriptions.items():
        await viber.post(builders.conversation_started(user))
        assert (await viber.post(builders.failed(user, desc))).status == 200
    reachable = {
        user: (await account_of(database, "viber", user)).reachable for user in descriptions
    }
    assert reachable == {"f1": False, "f2": False, "f3": True, "f4": True}


async def test_contact_without_our_tracking_data_does_not_verify(
    viber: ViberHarness, database: Database, clock: FixedClock
) -> None:
    """A contact card that does not answer our phone request is someone else's: no signature."""
    petition_id = await make_open_petition(database, clock.now())
    user = "card-sender"
    await _sign_until_phone_request(viber, user, petition_id)
    await viber.post(builders.contact_message(user, PHONE))
    reply = viber.last(user)
    assert "someone else's contact" in reply["text"]
    assert reply["keyboard"]["Buttons"][0]["ActionType"] == "share-phone"
    assert (await account_of(database, "viber", user)).citizen.phone_hash is None
    assert await signature_count(database, petition_id) == (0, 0)


async def test_delivery_reports_are_acknowledged(viber: ViberHarness) -> None:
    """delivered and seen are answered 200 and send nothing."""
    assert (await viber.post(builders.delivered("someone"))).status == 200
    assert (await viber.post(builders.seen("someone"))).status == 200
    assert viber.fake.calls_to("send_message") == []
