"""Viber's callback signature: hex HMAC-SHA256 of the raw body, keyed with the token.

Checked on the raw bytes before anything is parsed, in constant time.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Viber-Content-Signature"


def signature_of(body: bytes, token: str) -> str:
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def is_signed(body: bytes, signature: str | None, token: str) -> bool:
    """True when ``signature`` (the header's value) is the body's signature with ``token``."""
    if not signature:
        return False
    given = signature.strip().lower().encode("utf-8", "surrogateescape")
    return hmac.compare_digest(signature_of(body, token).encode("ascii"), given)
