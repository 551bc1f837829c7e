"""A Telegram Update as what the conversation core understands, or why we ignore it.

Only private chats are served. A text is passed on as typed (the core parses
"/start petition_5" itself); a button press carries its ``callback_data``; a shared
contact counts as the sender's own only when ``contact.user_id`` is the sender's id; a
message of any other kind (a sticker, a photo) becomes its caption or an empty text, so the
citizen still gets an answer. ``my_chat_member`` in a private chat says the user blocked
(``kicked``) or unblocked (``member``) the bot.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.types import ChatMemberUpdated, InaccessibleMessage, Message, Update, User

from handlers.events import ButtonPress, ContactShared, EventBody, IncomingEvent, Sender, Text

CHANNEL = "telegram"
# The update types we ask Telegram for (setWebhook / getUpdates ``allowed_updates``).
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """Something a citizen did, for the core, and where to answer it."""

    event: IncomingEvent
    chat_id: int
    # The message whose inline button was pressed, when it can still be edited.
    origin_message_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReachabilityChange:
    """The user blocked the bot (False) or came back (True)."""

    user_id: str
    reachable: bool


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


Converted = ChatEvent | ReachabilityChange | Ignored


def _sender(user: User) -> Sender:
    return Sender(CHANNEL, str(user.id), user.language_code)


def _message_body(message: Message, user: User) -> EventBody:
    if message.text is not None:
        return Text(message.text)
    if message.contact is not None:
        contact = message.contact
        is_own = contact.user_id is not None and contact.user_id == user.id
        return ContactShared(phone=contact.phone_number, is_own=is_own)
    return Text(message.caption or "")


def _from_message(update_id: int, message: Message) -> Converted:
    user = message.from_user
    if message.chat.type != ChatType.PRIVATE:
        return Ignored("not a private chat")
    if user is None or user.is_bot:
        return Ignored("not sent by a person")
    event = IncomingEvent(_sender(user), _message_body(message, user), event_id=str(update_id))
    return ChatEvent(event, chat_id=message.chat.id)


def _from_chat_member(change: ChatMemberUpdated) -> Converted:
    if change.chat.type != ChatType.PRIVATE:
        return Ignored("membership outside a private chat")
    status = change.new_chat_member.status
    if status == ChatMemberStatus.KICKED:
        return ReachabilityChange(str(change.from_user.id), reachable=False)
    if status == ChatMemberStatus.MEMBER:
        return ReachabilityChange(str(change.from_user.id), reachable=True)
    return Ignored(f"membership status {status}")


def convert(update: Update) -> Converted:
    """What ``update`` means for the core."""
    if update.message is not None:
        return _from_message(update.update_id, update.message)
    if update.callback_query is not None:
        query = update.callback_query
        origin = query.message
        if origin is None or query.data is None:
            return Ignored("a callback without a chat message or data")
        if origin.chat.type != ChatType.PRIVATE:
            return Ignored("not a private chat")
        body = ButtonPress(query.data)
        event = IncomingEvent(_sender(query.from_user), body, event_id=str(update.update_id))
        # An inaccessible message (too old) cannot be edited: the answer is sent anew.
        origin_id = None if isinstance(origin, InaccessibleMessage) else origin.message_id
        return ChatEvent(event, chat_id=origin.chat.id, origin_message_id=origin_id)
    if update.my_chat_member is not None:
        return _from_chat_member(update.my_chat_member)
    return Ignored("an update type we do not use")
