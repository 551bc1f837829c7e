"""Phone numbers as identity: E.164 normalisation, keyed hashes, nothing raw kept."""

from __future__ import annotations

import pytest

from civic.identity import InvalidPhone, identify_phone, normalise_phone, phone_key

KEY = phone_key("test-secret-key-not-for-production")


@pytest.mark.parametrize(
    "raw",
    ["+380501234567", "380501234567", "0501234567", "+38 (050) 123-45-67", " +380501234567 "],
)
def test_ukrainian_number_forms_normalise_to_one(raw: str) -> None:
    """Telegram's "+"-less form, national and formatted forms are one E.164 number."""
    assert normalise_phone(raw) == "+380501234567"


@pytest.mark.parametrize("raw", ["", "hello", "+1", "12", "+380 12"])
def test_invalid_numbers_are_refused(raw: str) -> None:
    """Values that are no valid phone number raise InvalidPhone, without echoing them."""
    with pytest.raises(InvalidPhone) as caught:
        normalise_phone(raw)
    assert raw.strip() == "" or raw not in repr(caught.value)


def test_hash_is_keyed_and_keeps_only_two_digits() -> None:
    """The same number gives the same digest under one key, another under another key."""
    first = identify_phone("+380501234567", KEY)
    assert first == identify_phone("380501234567", KEY)
    assert first.hint == "67"
    assert "501234567" not in repr(first)
    other_key = phone_key("another-secret-key-for-testing")
    assert identify_phone("+380501234567", other_key).digest != first.digest
