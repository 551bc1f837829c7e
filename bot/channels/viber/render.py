"""The core's replies as Viber text messages with keyboards.

- Text is sent as is: Viber shows message text plainly.
- Buttons become a Viber keyboard. A button replies with ``"vz:" + payload`` as the
  message text (see ``incoming``); its label is HTML-escaped, because Viber renders
  HTML-like markup in button texts. A row of n buttons shares the keyboard's six columns
  (widths differ by at most one); a row longer than six is wrapped.
- A request for the phone number adds a ``share-phone`` button first, sets
  ``min_api_version`` 3 and marks the message with ``PHONE_REQUEST_MARKER`` as its
  tracking data, which Viber returns with the user's next message (the shared contact).
- Text longer than Viber's 7000 characters, or too large for its 30 KB request limit, is
  split at paragraph boundaries (else lines, else words); the keyboard goes with the last
  part, so the buttons stay under the text they belong to.
- An image is not uploaded (Viber wants a public URL): its text alternative is sent.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence

from bot.channels.viber.client import encode_request
from bot.channels.viber.errors import ViberRequestTooLarge
from bot.channels.viber.models import (
    KEYBOARD_COLUMNS,
    MAX_REQUEST_BYTES,
    MAX_TEXT_CHARS,
    Keyboard,
    KeyboardButton,
    TextMessage,
)
from handlers.replies import Button, Document, Reply

BUTTON_PREFIX = "vz:"
# Our tracking data on a message that asks for the phone number (see ``incoming``).
PHONE_REQUEST_MARKER = "vz:phone-request"
# What a share-phone button "says" if a client sends its body as text: the core's
# "phone" button, which asks for the number again.
SHARE_PHONE_BODY = BUTTON_PREFIX + "phone"
# Room kept for the receiver id in a request when the text is measured.
_RECEIVER_ROOM = "x" * 128
# Below this many bytes for text, the keyboard is too large to send usefully.
_MIN_TEXT_BYTES = 1000
_ELLIPSIS = "…"


def row_widths(count: int) -> list[int]:
    """Columns of ``count`` buttons sharing one row of six: 2 → [3, 3], 4 → [2, 2, 1, 1]."""
    base, extra = divmod(KEYBOARD_COLUMNS, count)
    return [base + (1 if index < extra else 0) for index in range(count)]


def _row(buttons: Sequence[KeyboardButton]) -> list[KeyboardButton]:
    widths = row_widths(len(buttons))
    return [
        KeyboardButton(b.action_type, b.action_body, b.text, columns=width)
        for b, width in zip(buttons, widths, strict=True)
    ]


def _reply_button(button: Button) -> KeyboardButton:
    label = html.escape(button.label, quote=False)
    return KeyboardButton("reply", BUTTON_PREFIX + button.payload, label)


def keyboard_for(reply: Reply) -> Keyboard | None:
    buttons: list[KeyboardButton] = []
    if reply.request_phone:
        label = html.escape(reply.request_phone, quote=False)
        buttons.append(KeyboardButton("share-phone", SHARE_PHONE_BODY, label))
    for row in reply.buttons:
        cells = [_reply_button(button) for button in row]
        for start in range(0, len(cells), KEYBOARD_COLUMNS):
            buttons.extend(_row(cells[start : start + KEYBOARD_COLUMNS]))
    return Keyboard(tuple(buttons)) if buttons else None


DocumentLink = Callable[[Document], str]


def reply_text(reply: Reply, document_link: DocumentLink | None = None) -> str:
    """The reply's text, with an image's text alternative and links to its files after it
    (Viber bots cannot upload files, only point to them)."""
    parts = [reply.text]
    if reply.image is not None:
        parts.append(reply.image.alt_text)
    if reply.documents and document_link is not None:
        parts.append("\n".join(f"📎 {d.filename}: {document_link(d)}" for d in reply.documents))
    return "\n\n".join(part for part in parts if part)


def messages_for(
    reply: Reply, sender_name: str, document_link: DocumentLink | None = None
) -> list[TextMessage]:
    """One reply as one or more messages; the keyboard rides on the last one."""
    last = _last_message(reply_text(reply, document_link), reply)
    parts = split_text(last.text, MAX_TEXT_CHARS, _text_budget(last, sender_name))
    return [TextMessage(part) for part in parts[:-1]] + [_with_text(last, parts[-1])]


def welcome_for(replies: Sequence[Reply], sender_name: str) -> TextMessage | None:
    """The replies to ``conversation_started`` merged into the one welcome Viber allows.

    Texts are joined; the keyboard is the last reply's. A welcome too long for one
    message is cut at a paragraph boundary and ends with an ellipsis: Viber delivers
    nothing else to a user who has not subscribed yet.
    """
    if not replies:
        return None
    text = "\n\n".join(part for part in (reply_text(reply) for reply in replies) if part)
    message = _last_message(text, replies[-1])
    budget = _text_budget(message, sender_name)
    parts = split_text(text, MAX_TEXT_CHARS - len(_ELLIPSIS), budget - len(_ELLIPSIS.encode()))
    if len(parts) > 1:
        return _with_text(message, parts[0] + _ELLIPSIS)
    return _with_text(message, parts[0])


def _last_message(text: str, reply: Reply) -> TextMessage:
    keyboard = keyboard_for(reply)
    tracking = PHONE_REQUEST_MARKER if reply.request_phone else None
    return TextMessage(text, keyboard, tracking, keyboard.min_api_version if keyboard else None)


def _with_text(message: TextMessage, text: str) -> TextMessage:
    return TextMessage(text, message.keyboard, message.tracking_data, message.min_api_version)


def _text_budget(message: TextMessage, sender_name: str) -> int:
    """Bytes left for the JSON-encoded text once everything else of the request is counted."""
    envelope = len(encode_request(_with_text(message, "").as_json(sender_name, _RECEIVER_ROOM)))
    budget = MAX_REQUEST_BYTES - envelope
    if budget < _MIN_TEXT_BYTES:
        raise ViberRequestTooLarge(
            f"the keyboard alone takes {envelope} of Viber's {MAX_REQUEST_BYTES} bytes"
        )
    return budget


def _json_cost(char: str) -> int:
    """Bytes ``char`` takes inside a JSON string (UTF-8, escapes counted)."""
    if char.isascii() and (char in '"\\' or ord(char) < 0x20):
        return len(json.dumps(char)) - 2
    return len(char.encode())


def split_text(text: str, max_chars: int, max_bytes: int) -> list[str]:
    """``text`` in parts of at most ``max_chars`` characters and ``max_bytes`` JSON bytes.

    Cuts at the last paragraph break that fits, else the last line break, else the last
    space, else anywhere. Whitespace at the cut is dropped. Always at least one part.
    """
    parts: list[str] = []
    rest = text
    while True:
        limit = max(1, _fitting_prefix(rest, max_chars, max_bytes))
        if limit >= len(rest):
            parts.append(rest)
            return parts
        window = rest[:limit]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > 0:
                break
        if cut <= 0:
            cut = limit
        head = rest[:cut].rstrip()
        if not head:  # only whitespace before the cut: cut hard instead
            head, cut = rest[:limit], limit
        parts.append(head)
        rest = rest[cut:].lstrip()
        if not rest:
            return parts


def _fitting_prefix(text: str, max_chars: int, max_bytes: int) -> int:
    """The length of the longest prefix within both limits."""
    used = 0
    for index, char in enumerate(text[:max_chars]):
        used += _json_cost(char)
        if used > max_bytes:
            return index
    return min(len(text), max_chars)
