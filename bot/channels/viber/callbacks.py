"""The callbacks Viber posts to our webhook, parsed into typed events.

Shapes follow Viber's REST bot API documentation; unknown fields are ignored. An event
type we do not know parses to ``None`` (the webhook answers 200 and stores nothing); a
known event without the fields we need, or a body that is not a JSON object, raises
``MalformedCallback`` (400).
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

# Viber user ids are opaque strings (base64-like, ~24 characters); our column holds 128.
UserId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
# Viber sends message tokens as 64-bit integers; we keep them as text (event ids, which
# the database holds up to 128 characters: a longer one is refused here, as malformed).
MessageToken = (
    Annotated[int, Field(ge=-(2**63), lt=2**64)]
    | Annotated[str, StringConstraints(min_length=1, max_length=64)]
)


class MalformedCallback(ValueError):
    """The body is not a callback we can read (bad JSON, missing fields)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ViberUser(_Model):
    id: UserId
    name: str | None = None
    # The device's language, e.g. "en" or "uk"; used to pick the user's locale.
    language: str | None = None
    country: str | None = None
    api_version: int | None = None


class WebhookCheck(_Model):
    """Sent while ``set_webhook`` is in flight: Viber checks that the URL answers 200."""

    event: Literal["webhook"]
    timestamp: int | None = None


class ConversationStarted(_Model):
    """The user opened the chat (maybe from a deep link with ``context``)."""

    event: Literal["conversation_started"]
    timestamp: int | None = None
    message_token: MessageToken
    type: str | None = None
    context: str | None = None
    user: ViberUser
    subscribed: bool = False


class Subscribed(_Model):
    event: Literal["subscribed"]
    timestamp: int | None = None
    user: ViberUser


class Unsubscribed(_Model):
    event: Literal["unsubscribed"]
    timestamp: int | None = None
    user_id: UserId


class DeliveryReport(_Model):
    """``delivered`` or ``seen``: acknowledged and ignored."""

    event: Literal["delivered", "seen"]
    timestamp: int | None = None
    user_id: str | None = None


class Failed(_Model):
    """A message of ours could not be delivered; ``desc`` says why."""

    event: Literal["failed"]
    timestamp: int | None = None
    message_token: MessageToken | None = None
    user_id: UserId
    desc: str = ""


class SharedContact(_Model):
    name: str | None = None
    phone_number: str | None = None

    def __repr__(self) -> str:  # keep the number out of logs and tracebacks
        return "SharedContact(...)"


class IncomingMessage(_Model):
    type: str
    text: str | None = None
    # The tracking data of the last message we sent to this user, returned with the reply.
    tracking_data: str | None = None
    contact: SharedContact | None = None


class MessageReceived(_Model):
    event: Literal["message"]
    timestamp: int | None = None
    message_token: MessageToken
    sender: ViberUser
    message: IncomingMessage


Callback = (
    WebhookCheck
    | ConversationStarted
    | Subscribed
    | Unsubscribed
    | DeliveryReport
    | Failed
    | MessageReceived
)
KNOWN_EVENTS = frozenset(
    {
        "webhook",
        "conversation_started",
        "subscribed",
        "unsubscribed",
        "delivered",
        "seen",
        "failed",
        "message",
    }
)
_CALLBACK: TypeAdapter[Callback] = TypeAdapter(Annotated[Callback, Field(discriminator="event")])


def parse_callback(body: bytes) -> Callback | None:
    """The typed callback; ``None`` for an event type we do not know."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise MalformedCallback("the body is not JSON") from error
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        raise MalformedCallback("the body is not a callback object with an event")
    if data["event"] not in KNOWN_EVENTS:
        return None
    try:
        return _CALLBACK.validate_python(data)
    except ValidationError as error:
        fields = ", ".join(".".join(map(str, problem["loc"])) for problem in error.errors())
        raise MalformedCallback(f"{data['event']}: bad or missing {fields}") from None
