"""Typing a number or a label picks a button; anything digit-like that is not a decimal
number is text like any other (it used to crash the core: "²".isdigit() is True)."""

from __future__ import annotations

import pytest

from tests.personas import Persona


@pytest.mark.parametrize("typed", ["²", "③", "⑴", "½", "1²", "𝟚" * 5000, "9" * 5000])
async def test_digit_like_text_is_answered_not_crashed_on(alice: Persona, typed: str) -> None:
    """Superscripts, circled and parenthesised digits, fractions and absurdly long numbers
    while buttons are shown get the "did not understand" answer with the buttons again."""
    await alice.say("/start")
    menu = alice.last.choices
    replies = await alice.say(typed)
    assert len(replies) == 1
    assert "I did not understand that" in replies[0].text
    assert replies[0].choices == menu


@pytest.mark.parametrize(("typed", "section"), [("1", "Open petitions"), ("٢", "Information")])
async def test_decimal_digits_of_any_script_pick_a_button(
    alice: Persona, typed: str, section: str
) -> None:
    """ASCII digits, and decimal digits of other scripts (Arabic-Indic "٢" is 2), pick
    the button with that number."""
    await alice.say("/start")
    await alice.say(typed)
    assert section in alice.last.text
