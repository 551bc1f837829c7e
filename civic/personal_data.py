"""Personal data a citizen may paste into text meant for publication: phone numbers and
e-mail addresses. Found, the text is not published as it is (the citizen is asked to
take them out), so that nobody's contacts end up in open data."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Digits with the separators people type between them: "+380 (67) 123-45-67",
# "067 123 45 67"; ten digits or more make a phone number (years and sums rarely do).
_DIGIT_RUN = re.compile(r"\+?\d[\d\s().-]{7,}\d")
PHONE_DIGITS = 10


def personal_data_in(text: str) -> str | None:
    """``"email"`` or ``"phone"`` when the text carries one, else None."""
    if _EMAIL.search(text):
        return "email"
    for run in _DIGIT_RUN.finditer(text):
        if sum(character.isdigit() for character in run.group()) >= PHONE_DIGITS:
            return "phone"
    return None
