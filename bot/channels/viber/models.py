"""Typed shapes of Viber's REST API: what we send (dataclasses) and what it answers (pydantic).

Outgoing messages are built by us, so plain frozen dataclasses with an explicit
``as_json`` keep Viber's PascalCase keyboard keys in one visible place. Answers come from
the network and are validated with pydantic; unknown fields are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

# Viber's limits (REST bot API).
MAX_SENDER_NAME_CHARS = 28
MAX_TEXT_CHARS = 7000
MAX_TRACKING_DATA_CHARS = 4000
MAX_REQUEST_BYTES = 30_000  # "30kb"; counted in bytes of the JSON we send
MAX_BROADCAST_RECEIVERS = 300  # receivers of one broadcast_message call
KEYBOARD_COLUMNS = 6  # a keyboard row is six columns wide
# share-phone buttons need clients of API level 3 (Viber 7.6 and later).
SHARE_PHONE_API_VERSION = 3

ButtonAction = Literal["reply", "share-phone"]
JsonObject = dict[str, object]


@dataclass(frozen=True, slots=True)
class KeyboardButton:
    action_type: ButtonAction
    action_body: str
    text: str  # Viber renders HTML-like markup here: callers escape labels
    columns: int = KEYBOARD_COLUMNS
    rows: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.columns <= KEYBOARD_COLUMNS:
            raise ValueError(f"Columns must be 1..{KEYBOARD_COLUMNS}, not {self.columns}")

    def as_json(self) -> JsonObject:
        return {
            "Columns": self.columns,
            "Rows": self.rows,
            "ActionType": self.action_type,
            "ActionBody": self.action_body,
            "Text": self.text,
            # A reply button's ActionBody ("vz:ps:12") would otherwise appear in the chat
            # as the user's own message; Silent keeps the tap out of the conversation.
            "Silent": self.action_type == "reply",
        }


@dataclass(frozen=True, slots=True)
class Keyboard:
    buttons: tuple[KeyboardButton, ...]

    @property
    def min_api_version(self) -> int | None:
        if any(button.action_type == "share-phone" for button in self.buttons):
            return SHARE_PHONE_API_VERSION
        return None

    def as_json(self) -> JsonObject:
        return {
            "Type": "keyboard",
            "DefaultHeight": False,
            "Buttons": [button.as_json() for button in self.buttons],
        }


@dataclass(frozen=True, slots=True)
class TextMessage:
    """One Viber text message, as sent by ``send_message`` or answered as a welcome."""

    text: str
    keyboard: Keyboard | None = None
    tracking_data: str | None = None
    min_api_version: int | None = None

    def as_json(self, sender_name: str, receiver: str | None = None) -> JsonObject:
        """The message JSON; without ``receiver`` it is a welcome message (an answer body)."""
        message: JsonObject = {}
        if receiver is not None:
            message["receiver"] = receiver
        min_api_version = self.min_api_version
        if self.keyboard is not None and self.keyboard.min_api_version is not None:
            min_api_version = max(min_api_version or 1, self.keyboard.min_api_version)
        if min_api_version is not None:
            message["min_api_version"] = min_api_version
        message["sender"] = {"name": sender_name}
        if self.tracking_data is not None:
            message["tracking_data"] = self.tracking_data
        message["type"] = "text"
        message["text"] = self.text
        if self.keyboard is not None:
            message["keyboard"] = self.keyboard.as_json()
        return message


class ApiResponse(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    status: int
    status_message: str = ""


class AccountInfo(ApiResponse):
    id: str
    name: str = ""
    # The public account's URI, for links: viber://pa?chatURI=<uri>&context=<payload>
    uri: str | None = None
    webhook: str | None = None
    event_types: list[str] = []
    subscribers_count: int | None = None


class SetWebhookResponse(ApiResponse):
    event_types: list[str] = []


class FailedReceiver(BaseModel):
    """One receiver of a ``broadcast_message`` that Viber did not deliver to."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    receiver: str
    status: int
    status_message: str = ""


class BroadcastResponse(ApiResponse):
    message_token: int | str | None = None
    failed_list: list[FailedReceiver] = []


class SendMessageResponse(ApiResponse):
    message_token: int | str

    @property
    def token(self) -> str:
        return str(self.message_token)
