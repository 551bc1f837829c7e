"""Bad input as a new user types it: at the main menu and inside the create-petition flow.

Every case must get a clear answer in the citizen's language (never silence, never an
exception), must store nothing it should not, and markup must be kept as typed text:
escaping it is the renderer's job, not the flow's.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from civic.clock import FixedClock
from storage.db import Database
from storage.models import Petition, PetitionStatus
from tests.e2e_support import (
    PHONE,
    account_of,
    make_closed_petition,
    make_petition_in_moderation,
    row_counts,
)
from tests.helpers import make_authority
from tests.personas import Persona

TITLE = "Safe crossing near school No. 17"
BODY_EN = (
    "Please build a safe pedestrian crossing near school No. 17, with a traffic light "
    "and street lighting: children cross this busy road every single day."
)
AUTHOR = "Olena Koval"

HTML = "<b>x</b><script>alert(1)</script>"
MARKDOWN = "*bold* [link](http://x)"
SQL_DROP = "'; DROP TABLE petition; --"
SQL_OR = "1 OR 1=1"
EMOJI = "🙂🔥🇺🇦"
CONTROL_ONLY = "\x00\x01\x07\x1b\x7f"

NOT_UNDERSTOOD = "I did not understand that. Type the number of one of the choices above"
TOO_LONG = "That message is too long for me: nothing was saved."
UNKNOWN_FOO = "I do not know the command /foo. Type /help for the list."
BAD_LINK = "This link is not valid or what it pointed to no longer exists."
STALE = "That button is no longer valid. Here is the main menu."


def typed_text(length: int) -> str:
    """Ordinary words, exactly ``length`` characters, nothing that cleaning would trim."""
    text = ("Please fix the road " * (length // 20 + 1))[:length]
    return text[:-1] + "x"


def assert_answered(replies: list[Any]) -> None:
    """At least one reply, none of them empty, and the last one offers a way on."""
    assert replies, "no answer at all"
    assert all(reply.text.strip() for reply in replies), [r.text for r in replies]
    assert replies[-1].choices, "the answer leaves the citizen without a choice"


async def stored_state(database: Database, user_id: str = "alice") -> dict[str, Any]:
    return dict((await account_of(database, "console", user_id)).dialog_state)


# --- at the main menu ------------------------------------------------------------------

MENU_CASES = [
    pytest.param("", NOT_UNDERSTOOD, id="empty"),
    pytest.param("  \t  ", NOT_UNDERSTOOD, id="whitespace"),
    pytest.param(typed_text(10_000), NOT_UNDERSTOOD, id="10k-chars"),
    pytest.param(typed_text(25_000), TOO_LONG, id="25k-chars"),
    pytest.param(EMOJI, NOT_UNDERSTOOD, id="emoji-only"),
    pytest.param(HTML, NOT_UNDERSTOOD, id="html"),
    pytest.param(MARKDOWN, NOT_UNDERSTOOD, id="markdown"),
    pytest.param(SQL_DROP, NOT_UNDERSTOOD, id="sql-drop"),
    pytest.param(SQL_OR, NOT_UNDERSTOOD, id="sql-or"),
    pytest.param(CONTROL_ONLY, NOT_UNDERSTOOD, id="control-chars"),
    pytest.param("/foo", UNKNOWN_FOO, id="unknown-command"),
    pytest.param("/", NOT_UNDERSTOOD, id="slash-only"),
]


@pytest.mark.parametrize(("typed", "expected"), MENU_CASES)
async def test_bad_text_at_main_menu(
    alice: Persona, database: Database, typed: str, expected: str
) -> None:
    """Bad text at the main menu gets a clear English answer and stores nothing."""
    await alice.say("/start")
    before = await row_counts(database)
    replies = await alice.say(typed)
    assert_answered(replies)
    assert expected in replies[-1].text
    assert await row_counts(database) == before
    # Whatever was typed is not kept anywhere in the dialog state either.
    state = await stored_state(database)
    assert len(repr(state)) < 1_000
    assert "flow" not in state


async def test_main_menu_still_works_after_bad_input(alice: Persona, database: Database) -> None:
    """After nonsense, typing a menu number still opens that section."""
    await alice.say("/start")
    await alice.say(SQL_DROP)
    await alice.say("1")
    assert "Open petitions" in alice.last.text


async def test_ukrainian_citizen_gets_ukrainian_answer(
    alice: Persona, bohdan: Persona, database: Database
) -> None:
    """The same bad input answers a Ukrainian speaker in Ukrainian, not in English."""
    english = await alice.say("/foo")
    ukrainian = await bohdan.say("/foo")
    assert_answered(ukrainian)
    assert ukrainian[-1].text != english[-1].text
    assert any("\u0400" <= ch <= "\u04ff" for ch in ukrainian[-1].text)
    assert "I do not know the command" not in ukrainian[-1].text


# --- inside the create-petition flow ---------------------------------------------------

# step: (the field's name in messages, its limit as shown, the prompt of the next step)
FIELDS = {
    "title": ("title", "200", "Step 3 of 4"),
    "body": ("petition text", "5,000", "Step 4 of 4"),
    "author": ("name", "100", "Please check your petition"),
}
VALID = {"title": TITLE, "body": BODY_EN, "author": AUTHOR}
DATA_KEY = {"title": "title", "body": "body", "author": "author_name"}


async def open_step(alice: Persona, database: Database, now: datetime, step: str) -> None:
    """Walk ``alice`` into the create flow up to ``step``."""
    authority_id = await make_authority(database, now)
    await alice.say("/start")
    await alice.press(alice.payload_of("Petitions"))
    await alice.press(alice.payload_of("Create a petition"))
    await alice.press(f"pna:{authority_id}")
    for earlier in ("title", "body"):
        if earlier == step:
            break
        await alice.say(VALID[earlier])
    assert (await stored_state(database))["step"] == step


def refusals(kind: str, step: str) -> list[tuple[str, ...]]:
    """Ways to say why ``kind`` of input is refused at ``step``: each, the words it has."""
    field, limit, _ = FIELDS[step]
    short = (f"The {field} is too short",)
    no_letters = (f"The {field} must be written in words",)
    by_kind: dict[str, list[tuple[str, ...]]] = {
        "empty": [(f"The {field} cannot be empty",)],
        "too_long": [(f"The {field} is too long", "10,000", limit)],
        "no_letters": [no_letters],
        # Short and with too few letters: either reason is a clear answer.
        "short_or_no_letters": [short, no_letters],
        "core_too_long": [(TOO_LONG,)],
    }
    return by_kind[kind]


def says_one_of(text: str, reasons: list[tuple[str, ...]]) -> bool:
    return any(all(words in text for words in reason) for reason in reasons)


REFUSED = [
    pytest.param("", "empty", id="empty"),
    pytest.param("  \t  ", "empty", id="whitespace"),
    pytest.param(typed_text(10_000), "too_long", id="10k-chars"),
    pytest.param(typed_text(25_000), "core_too_long", id="25k-chars"),
    pytest.param(EMOJI, "no_letters", id="emoji-only"),
    pytest.param(SQL_OR, "short_or_no_letters", id="sql-or"),
    pytest.param(CONTROL_ONLY, "empty", id="control-chars"),
    pytest.param("/", "no_letters", id="slash-only"),
]


@pytest.mark.parametrize("step", list(FIELDS))
@pytest.mark.parametrize(("typed", "kind"), REFUSED)
async def test_bad_field_is_refused_and_asked_again(
    alice: Persona, database: Database, clock: FixedClock, step: str, typed: str, kind: str
) -> None:
    """A refused title, text or name says why, keeps nothing, and the step can be retried."""
    await open_step(alice, database, clock.now(), step)
    before = await row_counts(database)
    replies = await alice.say(typed)
    assert_answered(replies)
    assert says_one_of(replies[-1].text, refusals(kind, step)), replies[-1].text
    assert await row_counts(database) == before
    state = await stored_state(database)
    assert state["step"] == step
    assert DATA_KEY[step] not in state["data"]
    assert len(repr(state)) < 2_000
    await alice.say(VALID[step])
    assert FIELDS[step][2] in alice.last.text


@pytest.mark.parametrize("typed", [HTML, MARKDOWN, SQL_DROP], ids=["html", "markdown", "sql"])
async def test_markup_alone_is_not_a_petition_text(
    alice: Persona, database: Database, clock: FixedClock, typed: str
) -> None:
    """Markup or SQL alone is too short to be a petition's text, and is refused."""
    await open_step(alice, database, clock.now(), "body")
    replies = await alice.say(typed)
    assert_answered(replies)
    assert says_one_of(replies[-1].text, refusals("short_or_no_letters", "body"))
    assert "body" not in (await stored_state(database))["data"]


@pytest.mark.parametrize("step", ["title", "author"])
@pytest.mark.parametrize("typed", [HTML, MARKDOWN, SQL_DROP], ids=["html", "markdown", "sql"])
async def test_markup_in_title_or_name_is_accepted_as_typed(
    alice: Persona, database: Database, clock: FixedClock, step: str, typed: str
) -> None:
    """Markup or SQL that is otherwise a valid title or name is kept exactly as typed."""
    await open_step(alice, database, clock.now(), step)
    await alice.say(typed)
    assert FIELDS[step][2] in alice.last.text
    assert (await stored_state(database))["data"][DATA_KEY[step]] == typed


async def test_markup_is_stored_verbatim_and_harmless(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """A petition titled with HTML, with Markdown and SQL inside, is stored as typed text."""
    body = f"{BODY_EN} {MARKDOWN} {SQL_DROP}"
    await open_step(alice, database, clock.now(), "title")
    await alice.say(HTML)
    await alice.say(body)
    await alice.say(SQL_DROP)
    assert HTML in alice.last.text  # the review shows the text itself; channels escape it
    await alice.press("pnok")
    assert "is submitted" in alice.last.text
    async with database.transaction() as session:
        petition = (await session.execute(select(Petition))).scalar_one()
        assert petition.title == HTML
        assert petition.body == body
        assert petition.author_name == SQL_DROP
        assert petition.status is PetitionStatus.MODERATION
    assert (await row_counts(database))["petition"] == 1


async def test_control_characters_are_dropped_from_a_title(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """NUL and other control characters inside a title are removed before it is stored."""
    await open_step(alice, database, clock.now(), "title")
    await alice.say("Safe\x00 crossing\x07 near\x1b school\x7f")
    assert "Step 3 of 4" in alice.last.text
    await alice.say(BODY_EN)
    await alice.say(AUTHOR)
    await alice.press("pnok")
    async with database.transaction() as session:
        petition = (await session.execute(select(Petition))).scalar_one()
        assert petition.title == "Safe crossing near school"


async def test_unknown_commands_inside_the_flow(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """/foo inside the flow is named as unknown; a lone "/" is just a refused title."""
    await open_step(alice, database, clock.now(), "title")
    before = await row_counts(database)
    replies = await alice.say("/foo")
    assert_answered(replies)
    assert UNKNOWN_FOO in replies[-1].text
    replies = await alice.say("/")
    assert_answered(replies)
    assert "The title must be written in words" in replies[-1].text
    assert await row_counts(database) == before


# --- deep links and buttons ------------------------------------------------------------


async def link_target(kind: str, database: Database, now: datetime) -> tuple[str, str]:
    """The typed ``/start`` line for one kind of bad deep link, and the expected answer."""
    if kind == "missing":
        return "/start petition_999999", "Petition No. 999999 was not found."
    if kind == "closed":
        petition_id = await make_closed_petition(database, now)
        return f"/start petition_{petition_id}", "Status: closed: not enough signatures"
    if kind == "moderation":
        authority_id = await make_authority(database, now, name="Інша рада")
        petition_id = await make_petition_in_moderation(database, now, authority_id)
        return f"/start petition_{petition_id}", f"Petition No. {petition_id} was not found."
    payload = {"letters": "petition_abc", "short": "x", "200-chars": "petition_" + "9" * 191}
    assert len(payload["200-chars"]) == 200
    return f"/start {payload[kind]}", BAD_LINK


LINK_KINDS = ["missing", "closed", "moderation", "letters", "short", "200-chars"]


@pytest.mark.parametrize("where", ["menu", "create"])
@pytest.mark.parametrize("kind", LINK_KINDS)
async def test_bad_deep_links(
    alice: Persona, database: Database, clock: FixedClock, kind: str, where: str
) -> None:
    """A link to a missing, closed, unpublished or malformed petition is answered clearly."""
    if where == "create":
        await open_step(alice, database, clock.now(), "title")
    else:
        await alice.say("/start")
    typed, expected = await link_target(kind, database, clock.now())
    before = await row_counts(database)
    replies = await alice.say(typed)
    assert_answered(replies)
    assert expected in replies[-1].text
    assert not any("Sign" in button.label for button in replies[-1].choices)
    assert await row_counts(database) == before
    # A link abandons a half-typed draft: nothing of it is kept.
    assert "flow" not in await stored_state(database)


STALE_CASES = [
    pytest.param("ps:abc", STALE, id="sign-abc"),
    pytest.param("zz:1", STALE, id="unknown-prefix"),
    pytest.param("pv:", STALE, id="view-empty"),
    pytest.param("pna:abc", STALE, id="authority-abc"),
    pytest.param("pna:999999", "Step 1 of 4", id="authority-unknown"),
    pytest.param("pv:-1", STALE, id="view-negative"),
    pytest.param("pv:+5", STALE, id="view-signed"),
    pytest.param("pv:007", STALE, id="view-leading-zeros"),
    pytest.param("pv:١٢", STALE, id="view-arabic-digits"),
    pytest.param("pv:9223372036854775808", STALE, id="view-over-bigint"),
    pytest.param("pv:1:2", STALE, id="view-extra-field"),
    pytest.param("pl:new", STALE, id="list-missing-page"),
    pytest.param("pl:old:0", STALE, id="list-unknown-sort"),
    pytest.param("lang:de", STALE, id="language-unknown"),
    pytest.param("menu:x", STALE, id="menu-with-argument"),
]


@pytest.mark.parametrize("where", ["menu", "create"])
@pytest.mark.parametrize(("payload", "expected"), STALE_CASES)
async def test_stale_or_unknown_buttons(
    alice: Persona,
    database: Database,
    clock: FixedClock,
    payload: str,
    expected: str,
    where: str,
) -> None:
    """A button payload nobody handles or with a garbled argument is answered, not obeyed."""
    await make_authority(database, clock.now(), name="Рада громади")
    await alice.share_phone(PHONE)
    if where == "create":
        await open_step(alice, database, clock.now(), "title")
    else:
        await alice.say("/start")
    before = await row_counts(database)
    replies = await alice.press(payload)
    assert_answered(replies)
    assert expected in replies[-1].text
    assert await row_counts(database) == before


async def test_garbled_sign_button_of_unverified_citizen(
    alice: Persona, database: Database
) -> None:
    """A garbled sign button is refused as stale before any phone is asked for."""
    await alice.say("/start")
    replies = await alice.press("ps:abc")
    assert_answered(replies)
    assert STALE in replies[-1].text
    assert alice.last.request_phone is None
    assert (await row_counts(database))["signature"] == 0


async def _reach_review(alice: Persona, database: Database, now: datetime) -> None:
    await open_step(alice, database, now, "title")
    await alice.say(TITLE)
    await alice.say(BODY_EN)
    await alice.say(AUTHOR)
    assert "Please check your petition" in alice.last.text


async def test_pressing_submit_twice(alice: Persona, database: Database, clock: FixedClock) -> None:
    """A second "submit" finds no draft and says so; one petition is stored."""
    await _reach_review(alice, database, clock.now())
    submit = alice.payload_of("Submit")
    await alice.press(submit)
    assert "is submitted" in alice.last.text
    replies = await alice.press(submit)
    assert_answered(replies)
    assert "There is no petition draft to submit" in replies[-1].text
    assert (await row_counts(database))["petition"] == 1


async def test_two_simultaneous_submit_taps(
    alice: Persona, database: Database, clock: FixedClock
) -> None:
    """Two "submit" taps arriving at once store one petition, and one answer says so."""
    await _reach_review(alice, database, clock.now())
    submit = alice.payload_of("Submit")
    first, second = await asyncio.gather(alice.press(submit), alice.press(submit))
    texts = sorted(replies[-1].text for replies in (first, second))
    assert sum("is submitted" in text for text in texts) == 1
    assert sum("There is no petition draft to submit" in text for text in texts) == 1
    assert (await row_counts(database))["petition"] == 1
