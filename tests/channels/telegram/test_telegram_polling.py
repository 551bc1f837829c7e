"""The poller's offset: it moves past an update only once that update is done."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.types import Update

from bot.channels.telegram.polling import Poller
from bot.channels.telegram.processing import Outcome
from tests.channels.telegram.updates import TelegramUser, UpdateBuilder
from tests.fakes.telegram_api import DEFAULT_TOKEN

OLENA = TelegramUser(1, "Olena")
PETRO = TelegramUser(2, "Petro")


@dataclass
class ScriptedProcessor:
    """Answers ``RETRY`` for the update ids it is told to, ``HANDLED`` otherwise."""

    retry: set[int] = field(default_factory=set)
    seen: list[int] = field(default_factory=list)

    async def process(self, update: Update) -> Outcome:
        self.seen.append(update.update_id)
        return Outcome.RETRY if update.update_id in self.retry else Outcome.HANDLED


def _batch(*users: TelegramUser) -> list[Update]:
    builder = UpdateBuilder()
    return [Update.model_validate(builder.message(user, "hi")) for user in users]


async def test_a_done_batch_moves_the_offset_past_its_last_update() -> None:
    """All handled: the next poll asks for the update after the last one."""
    poller = Poller(Bot(DEFAULT_TOKEN), ScriptedProcessor())
    updates = _batch(OLENA, PETRO, OLENA)
    assert await poller.process_batch(updates)
    assert poller.offset == updates[-1].update_id + 1


async def test_an_update_to_redo_holds_the_offset_and_stops_that_users_queue() -> None:
    """A RETRY keeps the offset at that update; the same user's later updates wait for it."""
    updates = _batch(OLENA, PETRO, OLENA)
    processor = ScriptedProcessor(retry={updates[0].update_id})
    poller = Poller(Bot(DEFAULT_TOKEN), processor)
    assert not await poller.process_batch(updates)
    assert poller.offset == updates[0].update_id
    assert updates[2].update_id not in processor.seen, "Olena's next update waits its turn"
    assert updates[1].update_id in processor.seen, "Petro is not held up by Olena"
