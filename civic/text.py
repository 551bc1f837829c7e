"""Cleaning and checking what citizens type, before anything is stored."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Control characters other than newline and tab have no business in a petition, and NUL
# is refused outright by PostgreSQL text columns.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(raw: str) -> str:
    """NFC-normalise, drop control and direction-override characters, tidy whitespace."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def letter_count(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def search_key(*parts: str) -> str:
    """Case-folded text for word search that works the same on SQLite and PostgreSQL.

    SQLite's LIKE folds only ASCII case, so Cyrillic search is done on a stored folded copy.
    """
    return " ".join(clean_text(part).casefold() for part in parts)


def search_words(query: str, *, limit: int = 5) -> list[str]:
    words = [w for w in re.split(r"\W+", clean_text(query).casefold()) if len(w) >= 2]
    return words[:limit]


@dataclass(frozen=True, slots=True)
class LengthRule:
    """Limits for one field: characters after cleaning, and a minimum of real letters."""

    min_chars: int
    max_chars: int
    min_letters: int


class TextProblem(Exception):
    """Why a field was refused; ``kind`` is one of empty, too_short, too_long, no_letters."""

    def __init__(self, kind: str, rule: LengthRule, length: int) -> None:
        super().__init__(kind)
        self.kind = kind
        self.rule = rule
        self.length = length


def check_length(raw: str, rule: LengthRule) -> str:
    """Return the cleaned text or raise :class:`TextProblem`."""
    text = clean_text(raw)
    if not text:
        raise TextProblem("empty", rule, 0)
    if len(text) > rule.max_chars:
        raise TextProblem("too_long", rule, len(text))
    letters = letter_count(text)
    if len(text) < rule.min_chars and letters > 0:
        raise TextProblem("too_short", rule, len(text))
    if letters < rule.min_letters:
        raise TextProblem("no_letters", rule, len(text))
    return text
