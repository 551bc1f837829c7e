"""The one normalised incoming event every channel produces."""

from __future__ import annotations

from dataclasses import dataclass

# Longer input than any field accepts is refused before it reaches a flow (and is never
# stored); the flows give the precise limit of their own field.
MAX_INPUT_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Sender:
    """Who wrote, on which channel, with what the platform says about their language."""

    channel: str
    user_id: str
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class ButtonPress:
    payload: str


@dataclass(frozen=True, slots=True)
class ContactShared:
    """A phone shared through the messenger's own contact button.

    ``is_own`` is the channel's verdict that the contact belongs to the sender (Telegram:
    ``contact.user_id`` equals the sender's id). Only then does the phone count.
    """

    phone: str
    is_own: bool

    def __repr__(self) -> str:  # keep the number out of logs and tracebacks
        return f"ContactShared(is_own={self.is_own})"


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    payload: str = ""


EventBody = Text | ButtonPress | ContactShared | Command


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    sender: Sender
    body: EventBody
    # The platform's id of this event, when it has one: a re-delivery is recognised by it.
    event_id: str | None = None


def parse_command(text: str) -> Command | None:
    """``/start petition_5`` → ``Command("start", "petition_5")``; None if not a command."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    head, _, rest = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].lower()  # Telegram adds @BotName in groups
    if not name or not all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in name):
        return None
    return Command(name=name, payload=rest.strip())
