"""Telegram updates as Telegram sends them (shaped like the Bot API documentation's examples)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

Update = dict[str, Any]


@dataclass(frozen=True, slots=True)
class TelegramUser:
    id: int
    first_name: str = "Olena"
    language_code: str | None = "en"

    def as_json(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code is not None:
            user["language_code"] = self.language_code
        return user

    def private_chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}


@dataclass
class UpdateBuilder:
    """Makes updates with increasing ``update_id`` (and message ids) from 10,000 on."""

    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10_000))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(500))

    def _message(self, user: TelegramUser, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "from": user.as_json(),
            "chat": user.private_chat(),
            "date": 1_795_000_000,
            **content,
        }

    def message(self, user: TelegramUser, text: str) -> Update:
        """A text message; a leading /command gets its bot_command entity, as Telegram adds."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._ids), "message": self._message(user, **content)}

    def group_message(self, user: TelegramUser, text: str, group_id: int = -1001234) -> Update:
        message = self._message(user, text=text)
        message["chat"] = {"id": group_id, "type": "supergroup", "title": "Town square"}
        return {"update_id": next(self._ids), "message": message}

    def contact(self, user: TelegramUser, phone: str, *, owner_id: int | None = None) -> Update:
        """A shared contact; ``owner_id`` is whose contact it is (the sender's by default)."""
        contact: dict[str, Any] = {"phone_number": phone, "first_name": user.first_name}
        contact["user_id"] = user.id if owner_id is None else owner_id
        return {"update_id": next(self._ids), "message": self._message(user, contact=contact)}

    def sticker(self, user: TelegramUser) -> Update:
        sticker = {"file_id": "CAAC", "file_unique_id": "AgAD", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False}  # fmt: skip
        return {"update_id": next(self._ids), "message": self._message(user, sticker=sticker)}

    def callback(self, user: TelegramUser, message: dict[str, Any], data: str) -> Update:
        """A press of an inline button with ``data`` under ``message`` (as the bot sent it)."""
        update_id = next(self._ids)
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"cbq-{update_id}",
                "from": user.as_json(),
                "message": message,
                "chat_instance": "-8452912384011",
                "data": data,
            },
        }

    def chat_member(self, user: TelegramUser, bot: dict[str, Any], status: str) -> Update:
        """The user blocked (``kicked``) or unblocked (``member``) the bot."""
        old = "member" if status == "kicked" else "kicked"
        member: dict[str, Any] = {"status": status, "user": bot}
        if status == "kicked":
            member["until_date"] = 0
        return {
            "update_id": next(self._ids),
            "my_chat_member": {
                "chat": user.private_chat(),
                "from": user.as_json(),
                "date": 1_795_000_000,
                "old_chat_member": {"status": old, "user": bot}
                | ({"until_date": 0} if old == "kicked" else {}),
                "new_chat_member": member,
            },
        }

    def unknown(self) -> Update:
        """An update type we do not ask for (an edited message)."""
        user = TelegramUser(1)
        return {
            "update_id": next(self._ids),
            "edited_message": self._message(user, text="edited", edit_date=1_795_000_100),
        }
