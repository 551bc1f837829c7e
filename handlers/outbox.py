"""What the outbox's senders need from the modules: a renderer per notice or mail kind.

A renderer makes the message when it is sent, in the recipient's language at that time,
from the rows the message is about; None when those rows no longer exist (the message is
then dropped with that reason). The notifier and the mailer look the renderer up by the
row's ``kind`` in the table the module registry assembles.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.replies import Reply
from handlers.texts import Texts
from storage.models import Mail, Notice


@dataclass(frozen=True, slots=True)
class Letter:
    subject: str
    body: str


NoticeRenderer = Callable[[AsyncSession, Notice, Texts], Awaitable[list[Reply] | None]]
MailRenderer = Callable[[AsyncSession, Mail, Texts], Awaitable[Letter | None]]
