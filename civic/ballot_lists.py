"""The published lists of a closed election and their digests, as outsiders recompute
them.

**Canonical JSON** of a list: ``json.dumps(value, ensure_ascii=False, sort_keys=True,
separators=(",", ":"))`` encoded as UTF-8. The **ballots list** is
``[{"choices": [candidate ids, ascending]}, …]`` in random order; the **receipts list**
is the SHA-256 hex of every receipt code, sorted. A list's **digest** is the SHA-256 hex
of its canonical JSON. A receipt's hash is the SHA-256 hex of the code exactly as shown
to the voter (``ABCD-EFGH-JKLM``).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from typing import Any

# Receipt codes: 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L),
# about 60 bits, shown in groups of four.
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECEIPT_LENGTH = 12


class BallotFileError(ValueError):
    """The file is not a ballot list as the open data serves it."""


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode()).hexdigest()


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[at : at + 4] for at in range(0, RECEIPT_LENGTH, 4))


def receipt_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def shuffled_ballots(ballots: Sequence[Sequence[int]]) -> list[dict[str, list[int]]]:
    """The ballots as published: choices ascending, the list in an order drawn by the
    operating system's randomness (so nobody can tell when a ballot was cast)."""
    published = [{"choices": sorted(choices)} for choices in ballots]
    secrets.SystemRandom().shuffle(published)
    return published


def ballots_from_file(data: bytes) -> list[list[int]]:
    """The choices of every ballot of a downloaded list: a JSON array of ballots, or one
    page as the API serves it (``{"items": [...], "next": ...}``)."""
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BallotFileError(f"not JSON: {error}") from None
    items = parsed.get("items") if isinstance(parsed, dict) else parsed
    if not isinstance(items, list):
        raise BallotFileError('expected a JSON array of ballots, or a page with "items"')
    ballots = []
    for number, item in enumerate(items, start=1):
        choices = item.get("choices") if isinstance(item, dict) else None
        if not isinstance(choices, list) or not all(
            isinstance(choice, int) and not isinstance(choice, bool) for choice in choices
        ):
            raise BallotFileError(f'ballot {number} has no "choices" list of candidate ids')
        ballots.append(list(choices))
    return ballots
