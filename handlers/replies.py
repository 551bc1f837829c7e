"""Typed replies the flows produce and the channels render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit; the strictest of our channels


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    payload: str

    def __post_init__(self) -> None:
        if len(self.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload longer than {MAX_PAYLOAD_BYTES} bytes")


@dataclass(frozen=True, slots=True)
class Image:
    """A picture and the text that stands for it where pictures cannot be shown."""

    png: bytes
    alt_text: str


@dataclass(frozen=True, slots=True)
class Document:
    """A file sent along (an authority's answer's attachment): uploaded where the
    messenger takes files, linked where it takes only links."""

    attachment_id: int
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: Sequence[Sequence[Button]] = ()
    # A label for the messenger's "share my phone number" button, when we ask for it.
    request_phone: str | None = None
    image: Image | None = None
    documents: Sequence[Document] = ()
    # The reply may replace the message whose button was pressed (pagination), where the
    # channel can edit messages.
    replaces_origin: bool = False
    # Set by the core on the first reply after a phone request that this answer no longer
    # repeats, so channels can take the "share my phone" keyboard away.
    ends_phone_request: bool = False
    choices: Sequence[Button] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", [b for row in self.buttons for b in row])
