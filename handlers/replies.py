"""Typed replies the flows produce and the channels render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from handlers.payloads import MAX_PAYLOAD_BYTES, Payload


class Button:
    """A labelled button. Flows build it from a typed payload (``handlers.payloads``), so
    its payload fits every messenger by construction; ``raw`` rebuilds one from what a
    channel or the dialog state kept."""

    __slots__ = ("label", "payload")

    def __init__(self, label: str, press: Payload) -> None:
        self.label = label
        self.payload: str = press.pack()

    @classmethod
    def raw(cls, label: str, payload: str) -> Button:
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload longer than {MAX_PAYLOAD_BYTES} bytes")
        button = cls.__new__(cls)
        button.label = label
        button.payload = payload
        return button

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Button):
            return NotImplemented
        return (self.label, self.payload) == (other.label, other.payload)

    def __hash__(self) -> int:
        return hash((self.label, self.payload))

    def __repr__(self) -> str:
        return f"Button({self.label!r}, {self.payload!r})"


@dataclass(frozen=True, slots=True)
class Image:
    """A picture (PNG, or JPEG where ``jpeg``) and the text that stands for it where
    pictures cannot be shown."""

    png: bytes
    alt_text: str
    jpeg: bool = False

    @property
    def filename(self) -> str:
        return "image.jpg" if self.jpeg else "image.png"


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
