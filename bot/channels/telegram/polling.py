"""Polling mode: ``getUpdates`` long polls feeding the same processing as the webhook.

For development and single-process deployments (two pollers of one bot conflict). The
updates of one batch are processed concurrently across users and in order for each user.
The offset moves past an update only once it is done; when the database is unavailable
the poller waits and asks again from the first update that must be re-done (the later ones
of that batch come again too and are dropped by the core as repeats). Errors of the API
itself back off exponentially up to ``MAX_BACKOFF`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence

from aiogram import Bot
from aiogram.types import Update

from bot.channels.telegram.convert import ALLOWED_UPDATES
from bot.channels.telegram.processing import Outcome, ProcessesUpdates

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0


def _chat_key(update: Update) -> int | None:
    """The user an update is about: their updates are processed in order."""
    for user in (
        update.message and update.message.from_user,
        update.callback_query and update.callback_query.from_user,
        update.my_chat_member and update.my_chat_member.from_user,
    ):
        if user:
            return user.id
    return None


class Poller:
    def __init__(
        self,
        bot: Bot,
        processor: ProcessesUpdates,
        *,
        timeout: int = 25,
        first_backoff: float = 1.0,
    ) -> None:
        self.bot = bot
        self.processor = processor
        self.timeout = timeout
        self.first_backoff = first_backoff
        self.offset: int | None = None

    async def run(self) -> None:
        """Poll until cancelled."""
        backoff = self.first_backoff
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=self.offset,
                    timeout=self.timeout,
                    allowed_updates=list(ALLOWED_UPDATES),
                    request_timeout=self.timeout + 10,
                )
            except Exception as error:  # any failure of one poll (network, decoding): back off
                log.warning("getUpdates failed (%s); trying again in %.0fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            if not updates:
                backoff = self.first_backoff
                continue
            if await self.process_batch(updates):
                backoff = self.first_backoff
            else:
                log.warning("database unavailable; polling again in %.0fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    async def process_batch(self, updates: Sequence[Update]) -> bool:
        """Process a batch and move the offset; False when some update must come again."""
        by_user: dict[int | None, list[Update]] = defaultdict(list)
        for update in sorted(updates, key=lambda u: u.update_id):
            by_user[_chat_key(update)].append(update)
        results = await asyncio.gather(*(self._in_order(group) for group in by_user.values()))
        retry = [update_id for update_id in results if update_id is not None]
        if retry:
            self.offset = min(retry)
            return False
        self.offset = max(update.update_id for update in updates) + 1
        return True

    async def _in_order(self, updates: Sequence[Update]) -> int | None:
        """The id of the first update to be re-done, or None when all are done."""
        for update in updates:
            if await self.processor.process(update) is Outcome.RETRY:
                return update.update_id
        return None
