"""The profile's button, which other modules' screens lead back to."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.payloads import Payload
from handlers.replies import Button
from handlers.texts import Texts


@dataclass(frozen=True)
class Profile(Payload, prefix="me"):
    pass


def profile_button(t: Texts) -> Button:
    return Button(t._("👤 My profile"), Profile())
