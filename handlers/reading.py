"""Long texts read in parts that fit a messenger's message, cut between paragraphs,
else between sentences, else between words, never inside a word."""

from __future__ import annotations

PART_CHARS = 3000
_BOUNDARIES = ("\n\n", "\n", ". ", " ")


def parts_of(text: str, limit: int = PART_CHARS) -> list[str]:
    """``text`` in parts of at most ``limit`` characters (a word longer than that is the
    only thing ever cut)."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        for boundary in _BOUNDARIES:
            cut = window.rfind(boundary)
            if cut > 0:
                head = rest[: cut + (1 if boundary == ". " else 0)].rstrip()
                rest = rest[cut + len(boundary) :].lstrip()
                break
        else:
            head, rest = rest[:limit], rest[limit:]
        parts.append(head)
    if rest or not parts:
        parts.append(rest)
    return parts
