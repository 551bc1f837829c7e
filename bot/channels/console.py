"""The console channel: the bot in a terminal, buttons as numbered choices.

Typing a number presses that button (the core does this for every channel); the extra
"share my phone number" choice is simulated here, since a terminal has no messenger to
vouch for a number. ``/phone NUMBER`` does the same in one line.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from handlers.core import ConversationCore
from handlers.events import ContactShared, IncomingEvent, Sender, Text
from handlers.replies import Reply

CHANNEL = "console"
QUIT_WORDS = frozenset({"/quit", "/exit"})


def render(reply: Reply) -> str:
    lines = [reply.text]
    if reply.image is not None:
        lines.append(f"[image: {reply.image.alt_text}]")
    for document in reply.documents:
        lines.append(f"[file: {document.filename}, {len(document.content):,} bytes]")
    number = 0
    for number, button in enumerate(reply.choices, start=1):
        lines.append(f"  {number}. {button.label}")
    if reply.request_phone:
        lines.append(f"  {number + 1}. {reply.request_phone}")
    return "\n".join(lines)


class ConsoleChannel:
    def __init__(
        self,
        core: ConversationCore,
        *,
        user_id: str = "local",
        language_code: str | None = None,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
    ) -> None:
        self.core = core
        self.sender = Sender(channel=CHANNEL, user_id=user_id, language_code=language_code)
        self.stdin = stdin
        self.stdout = stdout
        self._phone_choice: int | None = None
        self.interactive = stdin.isatty()

    def _write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    async def _read(self, prompt: str) -> str | None:
        if self.interactive:
            self.stdout.write(prompt)
            self.stdout.flush()
        line = await asyncio.get_running_loop().run_in_executor(None, self.stdin.readline)
        if not line:
            return None
        text = line.rstrip("\n")
        if not self.interactive:
            self._write(f"{prompt}{text}")
        return text

    async def send(self, body: Text | ContactShared) -> None:
        replies = await self.core.handle(IncomingEvent(self.sender, body))
        self._phone_choice = None
        for reply in replies:
            self._write(render(reply))
            self._write("")
            if reply.request_phone:
                self._phone_choice = len(reply.choices) + 1

    async def run(self, start_payload: str = "") -> None:
        await self.send(Text(f"/start {start_payload}".strip()))
        while True:
            text = await self._read("> ")
            if text is None or text.strip() in QUIT_WORDS:
                return
            stripped = text.strip()
            if self._phone_choice is not None and stripped == str(self._phone_choice):
                phone = await self._read("📱 (simulated) phone number to share: ")
                if phone is None:
                    return
                await self.send(ContactShared(phone=phone, is_own=True))
            elif stripped.startswith("/phone "):
                await self.send(ContactShared(phone=stripped[len("/phone ") :], is_own=True))
            else:
                await self.send(Text(text))
