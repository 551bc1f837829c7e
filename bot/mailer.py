"""Sending the mail outbox over SMTP, as the notifier sends notices (see bot/notifier.py):
claim a batch with a lease, make each letter in its language, send outside any
transaction, record the outcome; retries back off and end after ``MAX_ATTEMPTS``.

``VZ_SMTP_URL`` is ``smtp://[user:password@]host[:port]`` (STARTTLS when the server offers
it) or ``smtps://…`` (TLS from the start).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import aiosmtplib
from sqlalchemy import select

from bot.outbox import drain_forever
from civic.clock import Clock
from handlers.outbox import Letter, MailRenderer
from handlers.texts import Texts
from storage.db import Database
from storage.models import Mail

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
BATCH = 20


class MailSender(Protocol):
    async def send(self, recipient: str, letter: Letter) -> None:
        """Hand the letter to the mail server; raise on failure."""


@dataclass(frozen=True, slots=True)
class SmtpSender:
    url: str
    mail_from: str
    timeout: float = 30.0

    async def send(self, recipient: str, letter: Letter) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("VZ_SMTP_URL must be smtp://host[:port] or smtps://host[:port]")
        message = EmailMessage()
        message["From"] = self.mail_from
        message["To"] = recipient
        message["Subject"] = letter.subject
        message["Message-ID"] = make_msgid(domain="vzayemodiia")
        message.set_content(letter.body)
        await aiosmtplib.send(
            message,
            hostname=parts.hostname,
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=parts.scheme == "smtps",
            timeout=self.timeout,
        )


def back_off(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** max(0, attempts - 1))


@dataclass(frozen=True, slots=True)
class _Job:
    mail_id: int
    recipient: str
    letter: Letter


class Mailer:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        sender: MailSender,
        zone: ZoneInfo,
        renderers: Mapping[str, MailRenderer],
    ) -> None:
        self.database = database
        self.clock = clock
        self.sender = sender
        self.zone = zone
        self.renderers = renderers

    async def run_once(self) -> int:
        """Send the mail that is due now; how many letters the server accepted."""
        sent = 0
        for job in await self._claim():
            try:
                await self.sender.send(job.recipient, job.letter)
            except (aiosmtplib.SMTPException, OSError, ValueError, TimeoutError) as error:
                await self._failed(job, repr(error))
                continue
            await self._sent(job)
            sent += 1
        return sent

    async def run_forever(self, interval_seconds: float) -> None:
        await drain_forever(self.run_once, interval_seconds, "mail")

    async def _claim(self) -> list[_Job]:
        now = self.clock.now()
        jobs: list[_Job] = []
        async with self.database.transaction() as session:
            statement = (
                select(Mail)
                .where(Mail.sent_at.is_(None), Mail.dropped_at.is_(None), Mail.send_after <= now)
                .order_by(Mail.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
            for mail in (await session.execute(statement)).scalars():
                render = self.renderers.get(mail.kind)
                if render is None:
                    mail.dropped_at = now
                    mail.last_error = f"no module renders mail of kind {mail.kind!r}"
                    continue
                letter = await render(session, mail, Texts(mail.locale, self.zone))
                if letter is None:
                    mail.dropped_at = now
                    mail.last_error = "what the letter is about no longer exists"
                    continue
                mail.attempts += 1
                mail.send_after = now + LEASE
                jobs.append(_Job(mail.id, mail.recipient, letter))
        return jobs

    async def _sent(self, job: _Job) -> None:
        async with self.database.transaction() as session:
            mail = await session.get(Mail, job.mail_id)
            if mail is not None:
                mail.sent_at = self.clock.now()

    async def _failed(self, job: _Job, error: str) -> None:
        now = self.clock.now()
        log.warning("mail %s to %s failed: %s", job.mail_id, job.recipient, error)
        async with self.database.transaction() as session:
            mail = await session.get(Mail, job.mail_id)
            if mail is None:
                return
            mail.last_error = error[:2000]
            if mail.attempts >= MAX_ATTEMPTS:
                mail.dropped_at = now
            else:
                mail.send_after = now + back_off(mail.attempts)
