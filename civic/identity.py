"""Phone numbers as identity: E.164 normalisation and keyed hashing.

The raw number never leaves this module except as a keyed hash and its last two digits.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import phonenumbers

DEFAULT_REGION = "UA"


class InvalidPhone(ValueError):
    """The shared value is not a valid phone number."""

    def __repr__(self) -> str:  # never echo the number into logs or tracebacks
        return "InvalidPhone()"


@dataclass(frozen=True, slots=True)
class PhoneIdentity:
    """What we keep of a verified phone: a keyed hash and the last two digits."""

    digest: str
    hint: str

    def __repr__(self) -> str:
        return f"PhoneIdentity(hint={self.hint!r})"


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 form of a shared number. Telegram may send it without the leading ``+``."""
    candidate = raw.strip()
    attempts = [candidate]
    if candidate and not candidate.startswith("+"):
        attempts.insert(0, "+" + candidate)
    for attempt in attempts:
        try:
            number = phonenumbers.parse(attempt, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidPhone


def phone_key(secret_key: str) -> bytes:
    """A key for phone hashes derived from the secret key, separate from session signing."""
    return hmac.new(secret_key.encode(), b"vzayemodiia/phone-hash/v1", hashlib.sha256).digest()


def attachment_key(secret_key: str) -> bytes:
    """A key for the links to answers' attachments, separate from the phone hashes."""
    return hmac.new(secret_key.encode(), b"vzayemodiia/attachment-link/v1", hashlib.sha256).digest()


def identify_phone(raw: str, key: bytes) -> PhoneIdentity:
    e164 = normalise_phone(raw)
    digest = hmac.new(key, e164.encode(), hashlib.sha256).hexdigest()
    return PhoneIdentity(digest=digest, hint=e164[-2:])
