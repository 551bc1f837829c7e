"""A Viber message as the core's one normalised event body.

- A text that starts with ``"vz:"`` is a button press: our reply buttons send
  ``"vz:" + payload`` as the message text. Any other text is text.
- A contact (``message.type == "contact"``) is a shared phone number. It counts as the
  sender's own only when the message carries our ``PHONE_REQUEST_MARKER`` as tracking
  data. Viber's ``share-phone`` button shares the user's own, Viber-verified number, and
  the reply to the message that showed the button carries that message's tracking data;
  a contact card picked from the address book in an ordinary conversation does not.
  Viber does not tell the two kinds of contact apart in any other way, so this is the
  best evidence the platform gives. Its limit: Viber returns the tracking data of the
  last message we sent with whatever the user sends next, so a contact card sent by
  hand *right after* our phone request would carry the marker too. We keep the
  marker only on messages that show the share-phone button, which keeps that window as
  small as the platform allows.
- Other message types (stickers, pictures, locations...) are text: their caption, or
  empty, which the core answers with "I did not understand".
"""

from __future__ import annotations

from bot.channels.viber.callbacks import IncomingMessage
from bot.channels.viber.render import BUTTON_PREFIX, PHONE_REQUEST_MARKER
from handlers.events import ButtonPress, ContactShared, EventBody, Text
from handlers.payloads import MAX_PAYLOAD_BYTES


def event_body(message: IncomingMessage) -> EventBody:
    if message.type == "contact" and message.contact is not None:
        return ContactShared(
            phone=message.contact.phone_number or "",
            is_own=message.tracking_data == PHONE_REQUEST_MARKER,
        )
    text = message.text or ""
    if text.startswith(BUTTON_PREFIX):
        payload = text[len(BUTTON_PREFIX) :]
        if payload and len(payload.encode()) <= MAX_PAYLOAD_BYTES and payload.isprintable():
            return ButtonPress(payload)
    return Text(text)
