"""Signing petitions through the conversation core, on both database backends."""

from __future__ import annotations

from sqlalchemy import func, select

from civic.clock import FixedClock
from storage.db import Database
from storage.models import Signature
from tests.e2e_support import make_petition_in_moderation
from tests.helpers import make_authority, make_open_petition, signature_count
from tests.personas import Persona

PHONE = "+380501234567"


async def test_sign_asks_for_phone_then_signs(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """An unverified citizen is asked for the phone once, then signed without another tap."""
    petition_id = await make_open_petition(database, clock.now())
    await alice.say(f"/start petition_{petition_id}")
    await alice.press(alice.payload_of("Sign"))
    assert alice.last.request_phone is not None
    replies = await alice.share_phone(PHONE)
    assert "confirmed" in replies[0].text
    assert f"No. {petition_id} is counted" in replies[-1].text
    assert await signature_count(database, petition_id) == (1, 1)


async def test_second_signature_is_refused_with_date(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """A repeat signature is answered "already signed" with date and channel, count unchanged."""
    petition_id = await make_open_petition(database, clock.now())
    await alice.share_phone(PHONE)
    await alice.press(f"ps:{petition_id}")
    await alice.press(f"ps:{petition_id}")
    assert "already signed this petition on November 27, 2026 via the terminal" in alice.last.text
    assert await signature_count(database, petition_id) == (1, 1)


async def test_same_phone_on_two_channels_is_one_citizen(
    core: object, database: Database, clock: FixedClock, alice: Persona
) -> None:
    """The same phone verified from Telegram and Viber is one citizen with one signature."""
    petition_id = await make_open_petition(database, clock.now())
    on_telegram = Persona(alice.core, channel="telegram", user_id="111", language_code="en")
    on_viber = Persona(alice.core, channel="viber", user_id="vb-1", language_code="en")
    await on_telegram.press(f"ps:{petition_id}")
    await on_telegram.share_phone("380501234567")  # Telegram may drop the "+"
    await on_viber.press(f"ps:{petition_id}")
    await on_viber.share_phone(PHONE)
    assert "already signed this petition on November 27, 2026 via Telegram" in on_viber.last.text
    assert await signature_count(database, petition_id) == (1, 1)


async def test_someone_elses_contact_does_not_verify(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """A shared contact that is not the sender's own does not confirm the phone."""
    petition_id = await make_open_petition(database, clock.now())
    await alice.press(f"ps:{petition_id}")
    await alice.share_phone(PHONE, is_own=False)
    assert "someone else's contact" in alice.last.text
    assert alice.last.request_phone is not None
    assert await signature_count(database, petition_id) == (0, 0)


async def test_threshold_reached_moves_petition_to_awaiting_answer(
    core: object, database: Database, clock: FixedClock, alice: Persona
) -> None:
    """The signature that reaches the threshold moves the petition to awaiting an answer."""
    petition_id = await make_open_petition(database, clock.now(), threshold=2)
    for index in range(2):
        citizen = Persona(alice.core, "console", f"c{index}", "en")
        await citizen.share_phone(f"+38050123456{index}")
        await citizen.press(f"ps:{petition_id}")
    assert "reached its threshold" in citizen.last.text
    late = Persona(alice.core, "console", "late", "en")
    await late.share_phone("+380501234569")
    await late.press(f"ps:{petition_id}")
    assert "not collecting signatures" in late.last.text
    assert await signature_count(database, petition_id) == (2, 2)


async def test_typed_numbers_and_labels_press_buttons(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """Typing "1" or a button's label works like tapping it, so flows work without buttons."""
    await make_open_petition(database, clock.now())
    await alice.say("/start")
    await alice.say("petitions")
    assert "Open petitions" in alice.last.text
    await alice.say("1")
    assert "Petition No." in alice.last.text


async def test_a_forged_sign_press_does_not_reveal_an_unpublished_petition(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """A verified citizen pressing "sign" for someone else's petition in moderation (a
    forged payload: no button showed it) is told it was not found, like an id that does
    not exist, and nothing about its status; nothing is signed."""
    authority_id = await make_authority(database, clock.now())
    hidden = await make_petition_in_moderation(database, clock.now(), authority_id)
    await alice.share_phone(PHONE)

    for petition_id in (hidden, 999_999):
        replies = await alice.press(f"ps:{petition_id}")
        assert f"Petition No. {petition_id} was not found" in replies[-1].text
        assert "moderation" not in replies[-1].text
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Signature)) == 0
