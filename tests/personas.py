"""A citizen talking to the conversation core, recording every reply it gets."""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.core import ConversationCore
from handlers.events import ButtonPress, ContactShared, EventBody, IncomingEvent, Sender, Text
from handlers.replies import Reply


@dataclass
class Persona:
    core: ConversationCore
    channel: str
    user_id: str
    language_code: str | None = None
    transcript: list[Reply] = field(default_factory=list)

    @property
    def sender(self) -> Sender:
        return Sender(self.channel, self.user_id, self.language_code)

    async def send(self, body: EventBody, event_id: str | None = None) -> list[Reply]:
        replies = await self.core.handle(IncomingEvent(self.sender, body, event_id))
        self.transcript.extend(replies)
        return replies

    async def say(self, text: str) -> list[Reply]:
        return await self.send(Text(text))

    async def press(self, payload: str) -> list[Reply]:
        return await self.send(ButtonPress(payload))

    async def share_phone(self, phone: str, *, is_own: bool = True) -> list[Reply]:
        return await self.send(ContactShared(phone, is_own))

    @property
    def last(self) -> Reply:
        assert self.transcript, "no reply yet"
        return self.transcript[-1]

    def payload_of(self, label_part: str) -> str:
        """The payload of the last reply's button whose label contains ``label_part``."""
        for button in self.last.choices:
            if label_part.casefold() in button.label.casefold():
                return button.payload
        labels = [b.label for b in self.last.choices]
        raise AssertionError(f"no button with {label_part!r} among {labels}")
