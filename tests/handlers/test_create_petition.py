"""Creating a petition in the chat by typing numbers, as on a channel without buttons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from civic.clock import FixedClock
from civic.petitions import Petitions
from storage.db import Database
from storage.models import Authority, ChannelAccount, Petition, PetitionStatus
from tests.e2e_support import (
    PHONE,
    account_of,
    number_of,
    petition_number_in,
    row_counts,
)
from tests.helpers import make_authority, seeded, signature_count
from tests.personas import Persona

TITLE = "Safe crossing near school No. 17"
BODY_EN = (
    "Please build a safe pedestrian crossing near school No. 17, with a traffic light "
    "and street lighting: children cross this busy road every single day."
)
AUTHOR = "Olena Koval"


async def choose(persona: Persona, label_part: str) -> None:
    """Type the number of the choice whose label contains ``label_part``."""
    await persona.say(number_of(persona, label_part))


async def create_by_numbers(alice: Persona, authority_label: str) -> int:
    """The whole create flow, typing only numbers and the petition's own words."""
    await alice.say("/start")
    await choose(alice, "Petitions")
    assert "Open petitions" in alice.last.text
    await choose(alice, "Create a petition")
    assert "Step 1 of 4" in alice.last.text
    await choose(alice, authority_label)
    assert f"Addressed to: {authority_label}." in alice.last.text
    assert "Step 2 of 4" in alice.last.text
    await alice.say(TITLE)
    assert "Step 3 of 4" in alice.last.text
    await alice.say(BODY_EN)
    assert "Step 4 of 4" in alice.last.text
    await alice.say(AUTHOR)
    review = alice.last.text
    assert "Please check your petition" in review
    assert f"To: {authority_label}" in review
    assert TITLE in review
    assert BODY_EN in review
    await choose(alice, "Submit for moderation")
    assert "is submitted" in alice.last.text
    return petition_number_in(alice.last.text)


async def test_create_by_typing_numbers_goes_to_moderation(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """Typed numbers carry a citizen through every step; the petition waits in moderation."""
    await seeded(database, clock.now())
    petition_id = await create_by_numbers(alice, "Vinnytsia City Council")
    account = await account_of(database, "console", "alice")
    async with database.transaction() as session:
        petition = await session.get(Petition, petition_id)
        assert petition is not None
        assert petition.status is PetitionStatus.MODERATION
        assert petition.author_citizen_id == account.citizen_id
        assert (petition.title, petition.body, petition.author_name) == (TITLE, BODY_EN, AUTHOR)
        assert petition.authority.name_en == "Vinnytsia City Council"
        assert petition.threshold == 300
        assert petition.submitted_at == clock.now()
        assert petition.published_at is None
        assert petition.closes_at is None
    assert "flow" not in account.dialog_state


async def test_my_petitions_lists_it_under_moderation(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """The "My petitions" list shows the new petition as "under moderation"."""
    await seeded(database, clock.now())
    petition_id = await create_by_numbers(alice, "Vinnytsia City Council")
    await choose(alice, "My petitions")
    assert "My petitions:" in alice.last.text
    assert f"No. {petition_id}: {TITLE} (under moderation)" in alice.last.text
    await alice.say(number_of(alice, TITLE[:20]))
    assert "Status: under moderation" in alice.last.text
    assert not any("Sign" in button.label for button in alice.last.choices)
    assert not any("Share" in button.label for button in alice.last.choices)


async def test_unpublished_petition_is_hidden_then_published(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """Another citizen cannot see a petition in moderation; once published, they can sign."""
    await seeded(database, clock.now())
    petition_id = await create_by_numbers(alice, "Vinnytsia City Council")
    carol = Persona(alice.core, channel="console", user_id="carol", language_code="en")

    await carol.say(f"/start petition_{petition_id}")
    assert f"Petition No. {petition_id} was not found" in carol.last.text
    await carol.say("/petitions")
    assert TITLE not in carol.last.text

    async with database.transaction() as session:
        await Petitions(session).publish(petition_id, clock.now())

    await carol.say(f"/start petition_{petition_id}")
    card = carol.last.text
    assert TITLE in card
    assert "Status: collecting signatures" in card
    assert "Collecting from November 27, 2026 to December 27, 2026" in card
    assert "Author: Olena Koval" in card
    await choose(carol, "Sign")
    assert carol.last.request_phone is not None
    await carol.share_phone(PHONE)
    assert f"Your signature under petition No. {petition_id} is counted" in carol.last.text
    assert await signature_count(database, petition_id) == (1, 1)
    await carol.say("/petitions")
    assert TITLE in carol.last.text

    await alice.press("mep")
    assert f"No. {petition_id}: {TITLE} (collecting signatures) · 1 signature" in alice.last.text


async def test_authority_search_by_typed_words(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """Words typed at the authority step narrow the list, in English or in Ukrainian."""
    await seeded(database, clock.now())
    await alice.say("/start")
    await choose(alice, "Petitions")
    await choose(alice, "Create a petition")
    assert "President of Ukraine" in alice.last.text

    await alice.say("Atlantis")
    assert "No authority matches \u201cAtlantis\u201d" in alice.last.text
    await alice.say("міська рада")
    assert "Vinnytsia City Council" in alice.last.text
    assert "Kyiv City Council" in alice.last.text
    assert "President of Ukraine" not in alice.last.text
    await alice.say("vinnytsia")
    assert "1. Vinnytsia City Council: 300 signatures needed" in alice.last.text
    assert "Kyiv City Council" not in alice.last.text
    await alice.say("1")
    assert "Addressed to: Vinnytsia City Council." in alice.last.text
    async with database.transaction() as session:
        vinnytsia = (
            await session.execute(
                select(Authority).where(Authority.name_en == "Vinnytsia City Council")
            )
        ).scalar_one()
    assert (await account_of(database, "console", "alice")).dialog_state["data"] == {
        "authority_id": vinnytsia.id
    }


async def test_cancel_command_mid_flow_keeps_nothing(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """/cancel after the title and text are typed keeps no draft and no petition."""
    await seeded(database, clock.now())
    before = await row_counts(database)
    await alice.say("/start")
    await choose(alice, "Petitions")
    await choose(alice, "Create a petition")
    await choose(alice, "Vinnytsia City Council")
    await alice.say(TITLE)
    await alice.say(BODY_EN)
    await alice.say("/cancel")
    assert "Cancelled. Nothing was saved." in alice.last.text
    state = (await account_of(database, "console", "alice")).dialog_state
    assert "flow" not in state
    assert "data" not in state
    # The name typed now is not a step of any flow, and the old "submit" finds no draft.
    await alice.say(AUTHOR)
    assert "I did not understand that" in alice.last.text
    await alice.press("pnok")
    assert "There is no petition draft to submit" in alice.last.text
    after = await row_counts(database)
    assert after["petition"] == before["petition"]
    await alice.press("mep")
    assert "You have not created any petitions yet." in alice.last.text


async def test_cancel_choice_mid_flow_keeps_nothing(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """Typing the number of "Cancel" at the title step ends the flow with nothing kept."""
    await seeded(database, clock.now())
    await alice.say("/start")
    await choose(alice, "Petitions")
    await choose(alice, "Create a petition")
    await choose(alice, "Kyiv City Council")
    await choose(alice, "Cancel")
    assert "Cancelled. Nothing was saved." in alice.last.text
    assert "flow" not in (await account_of(database, "console", "alice")).dialog_state
    async with database.transaction() as session:
        mine = await Petitions(session).browse(statuses=[PetitionStatus.MODERATION])
    assert mine.items == []


async def test_unknown_command_mid_flow_keeps_the_draft(alice: Persona, database: Database) -> None:
    """An unknown command while writing a petition is named, and the draft stays in progress."""
    await make_authority(database, datetime(2026, 11, 27, tzinfo=UTC))
    await alice.press("pn")
    await alice.press(alice.payload_of("Рада"))
    await alice.say("/foo")
    assert "I do not know the command /foo" in alice.last.text
    assert "type /cancel to stop" in alice.last.text
    await alice.say("Безпечний перехід біля школи")
    assert "Step 3 of 4" in alice.last.text


@pytest.mark.parametrize(
    "data",
    [
        {"title": 5, "bogus": "from an older version"},
        {"authority_id": "not a number"},
        {"authority_id": 999_999, "title": "A title long enough", "body": "x" * 60},
    ],
)
async def test_a_draft_the_flow_cannot_read_starts_it_again(
    alice: Persona, database: Database, data: dict[str, object]
) -> None:
    """A stored draft that does not fit the flow's typed draft (written by an older
    version, or naming an authority that is gone) starts the flow again instead of
    failing; nothing is submitted."""
    await make_authority(database, datetime(2026, 11, 27, tzinfo=UTC))
    await alice.say("/start")
    async with database.transaction() as session:
        account = (
            await session.execute(
                select(ChannelAccount).where(ChannelAccount.external_id == "alice")
            )
        ).scalar_one()
        account.dialog_state = {"flow": "new_petition", "step": "author", "data": data}
    await alice.say("Olena Koval")
    assert "Step 1 of 4" in alice.last.text
    await alice.press("pnok")
    assert "There is no petition draft to submit" in alice.last.text
    async with database.transaction() as session:
        assert (await session.execute(select(Petition))).first() is None
