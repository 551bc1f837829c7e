"""E-mail through a real SMTP server on loopback: requests reach the authority, answer
copies reach the citizen, officials are reminded once, failures are retried."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.mailer import MAX_ATTEMPTS, Mailer, SmtpSender
from bot.modules import product_modules
from civic.clock import FixedClock
from civic.deadlines import KYIV
from civic.information_requests import InformationRequests, RequestDraft
from storage import repositories as repo
from storage.db import Database
from storage.models import Authority, Mail
from tests.fakes.smtp_server import FakeSmtpServer
from tests.helpers import make_authority

BODY = "Прошу надати копію договору на ремонт дороги по вул. Шевченка за 2026 рік."
AUTHORITY_EMAIL = "zapyt@rada.example.org"


@pytest.fixture
def smtp() -> Iterator[FakeSmtpServer]:
    """A recording SMTP server on a loopback port."""
    with FakeSmtpServer() as server:
        yield server


def mailer(database: Database, clock: FixedClock, smtp: FakeSmtpServer) -> Mailer:
    sender = SmtpSender(smtp.url, "VzayemoDiia <noreply@vzayemodiia.example.org>", timeout=5)
    return Mailer(database, clock, sender, KYIV, product_modules().mail_renderers)


async def _file(
    database: Database, clock: FixedClock, *, email: str | None = None, urgent: bool = False
) -> int:
    authority = await make_authority(database, clock.now())
    async with database.transaction() as session:
        await session.execute(
            update(Authority).where(Authority.id == authority).values(request_email=AUTHORITY_EMAIL)
        )
        account = await repo.lock_account(session, "telegram", "t-1", "en", clock.now())
        filed = await InformationRequests(session).file(
            RequestDraft(authority, BODY, "Olena Koval", urgent=urgent, reply_email=email),
            account.citizen_id,
            "telegram",
            "en",
            clock.now(),
        )
        return filed.request.id


async def test_a_filed_request_is_forwarded_to_the_authority_in_ukrainian(
    database: Database, clock: FixedClock, smtp: FakeSmtpServer
) -> None:
    """The authority's request address gets the number, the requester, the due time and
    the text; the letter is sent once."""
    await _file(database, clock)
    outbox = mailer(database, clock, smtp)
    assert await outbox.run_once() == 1
    assert await outbox.run_once() == 0
    ((recipients, message),) = smtp.messages
    assert recipients == [AUTHORITY_EMAIL]
    assert message["Subject"] == "Запит на публічну інформацію ЗІ-2026-000001"
    text = message.get_content()
    assert "Olena Koval" in text
    assert BODY in text
    term = " ".join(text.split())  # Babel's dates use no-break spaces
    assert "Строк: 5 робочих днів, до 4 груд. 2026 р., 23:59:59" in term


async def test_the_answer_is_copied_to_the_citizens_address_in_their_language(
    database: Database, clock: FixedClock, smtp: FakeSmtpServer
) -> None:
    """A citizen who asked for e-mail gets the answer there too, in English."""
    request_id = await _file(database, clock, email="olena@example.org")
    async with database.transaction() as session:
        await InformationRequests(session).answer(
            request_id, "The contract is attached.", clock.now()
        )
    assert await mailer(database, clock, smtp).run_once() == 2
    copy = next(m for to, m in smtp.messages if to == ["olena@example.org"])
    assert copy["Subject"] == "The answer to your request ЗІ-2026-000001"
    assert "The contract is attached." in copy.get_content()


async def test_officials_are_reminded_once_on_the_last_working_day(
    database: Database, clock: FixedClock, smtp: FakeSmtpServer
) -> None:
    """Due Fri 4 Dec 2026: no reminder on Wed 2 Dec, one on Thu 3 Dec (one working day
    left), none again on Fri."""
    request_id = await _file(database, clock)
    await mailer(database, clock, smtp).run_once()  # the forwarded request
    for day, expected in ((2, []), (3, [request_id]), (4, [])):
        async with database.transaction() as session:
            now = datetime(2026, 12, day, 8, 0, tzinfo=UTC)
            reminded = await InformationRequests(session).remind_officials(now)
            assert [r.id for r in reminded] == expected
    clock.at = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    assert await mailer(database, clock, smtp).run_once() == 1
    assert smtp.messages[-1][1]["Subject"].startswith("Нагадування")


async def test_a_refusing_server_is_retried_later_and_then_given_up(
    database: Database, clock: FixedClock, smtp: FakeSmtpServer
) -> None:
    """451 from the server: tried again after a back-off, dropped after the last attempt."""
    await _file(database, clock)
    smtp.handler.refuse_next = MAX_ATTEMPTS
    outbox = mailer(database, clock, smtp)
    for _ in range(MAX_ATTEMPTS):
        assert await outbox.run_once() == 0
        assert await outbox.run_once() == 0, "not again before the back-off"
        clock.at += timedelta(hours=3)
    async with database.transaction() as session:
        mail = (await session.scalars(select(Mail))).one()
        assert mail.dropped_at is not None
        assert mail.attempts == MAX_ATTEMPTS
    assert smtp.messages == []
