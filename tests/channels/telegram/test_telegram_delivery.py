"""Sending within Telegram's rules: 403 blocked users, my_chat_member, 429 retries, long texts."""

from __future__ import annotations

from sqlalchemy import select

from civic.clock import FixedClock
from civic.petitions import PetitionDraft, Petitions
from storage.db import Database
from storage.models import ChannelAccount, Citizen
from tests.channels.telegram.conftest import TelegramHarness
from tests.channels.telegram.updates import TelegramUser
from tests.helpers import make_authority, make_open_petition

OLENA = TelegramUser(111_222_333, "Olena", "en")


async def _reachable(database: Database, user: TelegramUser) -> bool:
    async with database.transaction() as session:
        statement = select(ChannelAccount.reachable).where(
            ChannelAccount.channel == "telegram", ChannelAccount.external_id == str(user.id)
        )
        return bool((await session.execute(statement)).scalar_one())


async def test_blocked_user_is_marked_unreachable_and_membership_updates_follow(
    telegram: TelegramHarness, database: Database
) -> None:
    """403 on send marks the account unreachable; "member" brings it back; "kicked" again not."""
    await telegram.say(OLENA, "/start")
    assert await _reachable(database, OLENA)

    telegram.api.block(OLENA.id)
    await telegram.say(OLENA, "/help")
    assert not await _reachable(database, OLENA)
    refused = telegram.api.calls_of("sendMessage", ok_only=False)[-1]
    assert refused["chat_id"] == OLENA.id

    bot = telegram.api.bot_user()
    assert await telegram.post(telegram.updates.chat_member(OLENA, bot, "member")) == 200
    assert await _reachable(database, OLENA)

    assert await telegram.post(telegram.updates.chat_member(OLENA, bot, "kicked")) == 200
    assert not await _reachable(database, OLENA)


async def test_a_blocked_user_gets_nothing_more_of_that_answer(
    telegram: TelegramHarness, database: Database, clock: FixedClock
) -> None:
    """After a 403 the rest of the answer (the contact keyboard message) is not attempted."""
    petition_id = await make_open_petition(database, clock.now())
    await telegram.say(OLENA, f"/start petition_{petition_id}")
    telegram.api.block(OLENA.id)
    tried_before = len(telegram.api.calls_of("sendMessage", ok_only=False))

    await telegram.press(OLENA, f"ps:{petition_id}")  # answered by two messages

    assert len(telegram.api.calls_of("sendMessage", ok_only=False)) == tried_before + 1
    assert telegram.api.calls_of("answerCallbackQuery"), "the press is still answered"


async def test_429_retry_after_is_waited_out_and_the_message_arrives(
    telegram: TelegramHarness,
) -> None:
    """Telegram's 429 with retry_after on sendMessage: we wait, try again, and it is sent."""
    telegram.api.fail_next("sendMessage", retry_after=1)

    await telegram.say(OLENA, "/start")

    attempts = telegram.api.calls_of("sendMessage", ok_only=False)
    assert len(attempts) == 2
    assert [call.status for call in telegram.api.calls if call.method == "sendMessage"] == [
        429,
        200,
    ]
    assert "Main menu" in telegram.api.last_message(OLENA.id)["text"]


async def _petition_with_long_body(database: Database, clock: FixedClock) -> tuple[int, str]:
    paragraphs = [f"Абзац {n}: " + "розумні пропозиції громади " * 15 for n in range(1, 13)]
    body = "\n\n".join(paragraph.strip() for paragraph in paragraphs)
    authority_id = await make_authority(database, clock.now())
    async with database.transaction() as session:
        author = Citizen(created_at=clock.now())
        session.add(author)
        await session.flush()
        petitions = Petitions(session)
        draft = PetitionDraft(authority_id, "Довга петиція про парк", body, "Олена Коваль")
        petition = await petitions.submit(draft, author.id, clock.now())
        await petitions.publish(petition.id, clock.now())
        return petition.id, body


async def test_a_5000_character_reply_arrives_in_two_messages_split_between_paragraphs(
    telegram: TelegramHarness, database: Database, clock: FixedClock
) -> None:
    """A petition card over 4,096 characters is sent as two messages, cut at a paragraph end."""
    petition_id, body = await _petition_with_long_body(database, clock)
    assert len(body) > 4500

    await telegram.say(OLENA, f"/start petition_{petition_id}")

    first, second = telegram.api.chat_messages(OLENA.id)
    assert len(first["text"]) <= 4096
    assert first["text"].endswith("громади")
    assert second["text"].startswith("Абзац ")
    assert "reply_markup" not in first
    assert "inline_keyboard" in second["reply_markup"]
    paragraphs = body.split("\n\n")
    shown = first["text"] + "\n\n" + second["text"]
    assert all(paragraph in shown for paragraph in paragraphs)
