"""Viber callback bodies shaped like the examples in Viber's REST bot API documentation."""

from __future__ import annotations

import itertools
from typing import Any

Callback = dict[str, Any]

_tokens = itertools.count(4_912_661_846_655_238_145)
_TIMESTAMP = 1_798_364_800_000  # milliseconds, as Viber sends them


def next_token() -> int:
    """A fresh message token (Viber's are 64-bit integers)."""
    return next(_tokens)


def user(user_id: str, *, language: str = "en", name: str = "Olena Koval") -> Callback:
    return {
        "id": user_id,
        "name": name,
        "avatar": "https://avatar.example.com/olena.jpg",
        "country": "UA",
        "language": language,
        "api_version": 10,
    }


def conversation_started(
    user_id: str,
    *,
    context: str | None = None,
    token: int | None = None,
    language: str = "en",
    subscribed: bool = False,
) -> Callback:
    callback: Callback = {
        "event": "conversation_started",
        "timestamp": _TIMESTAMP,
        "chat_hostname": "SN-376_",
        "message_token": token if token is not None else next_token(),
        "type": "open",
        "user": user(user_id, language=language),
        "subscribed": subscribed,
    }
    if context is not None:
        callback["context"] = context
    return callback


def subscribed(user_id: str, *, token: int | None = None, language: str = "en") -> Callback:
    return {
        "event": "subscribed",
        "timestamp": _TIMESTAMP,
        "chat_hostname": "SN-376_",
        "user": user(user_id, language=language),
        "message_token": token if token is not None else next_token(),
    }


def unsubscribed(user_id: str, *, token: int | None = None) -> Callback:
    return {
        "event": "unsubscribed",
        "timestamp": _TIMESTAMP,
        "chat_hostname": "SN-376_",
        "user_id": user_id,
        "message_token": token if token is not None else next_token(),
    }


def _message(
    user_id: str, message: Callback, *, token: int | None, language: str = "en"
) -> Callback:
    return {
        "event": "message",
        "timestamp": _TIMESTAMP,
        "chat_hostname": "SN-376_",
        "message_token": token if token is not None else next_token(),
        "sender": user(user_id, language=language),
        "message": message,
        "silent": False,
    }


def text_message(
    user_id: str,
    text: str,
    *,
    token: int | None = None,
    tracking_data: str | None = None,
    language: str = "en",
) -> Callback:
    message: Callback = {"type": "text", "text": text}
    if tracking_data is not None:
        message["tracking_data"] = tracking_data
    return _message(user_id, message, token=token, language=language)


def contact_message(
    user_id: str,
    phone_number: str,
    *,
    token: int | None = None,
    tracking_data: str | None = None,
    name: str = "Olena Koval",
) -> Callback:
    message: Callback = {
        "type": "contact",
        "contact": {"name": name, "phone_number": phone_number},
    }
    if tracking_data is not None:
        message["tracking_data"] = tracking_data
    return _message(user_id, message, token=token)


def delivered(user_id: str, *, token: int | None = None) -> Callback:
    return {
        "event": "delivered",
        "timestamp": _TIMESTAMP,
        "chat_hostname": "SN-376_",
        "message_token": token if token is not None else next_token(),
        "user_id": user_id,
    }


def seen(user_id: str, *, token: int | None = None) -> Callback:
    return delivered(user_id, token=token) | {"event": "seen"}


def failed(user_id: str, desc: str, *, token: int | None = None) -> Callback:
    return {
        "event": "failed",
        "timestamp": _TIMESTAMP,
        "chat_hostname": "SN-376_",
        "message_token": token if token is not None else next_token(),
        "user_id": user_id,
        "desc": desc,
    }
