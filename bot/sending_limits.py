"""How fast the outbox may write to each messenger: a rate per messenger with no burst
above it, about one message per second per chat, and a pause when the messenger says
"too many requests" (Telegram's 429 ``retry_after``).

The timing is aiolimiter's leaky buckets: a messenger's bucket holds one message and
drains at the configured rate, so messages leave evenly spaced, never more than the rate
in any one second; each chat has a bucket of one that drains in a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

from aiolimiter import AsyncLimiter

# Chats' buckets kept at once; idle ones (already drained) are let go beyond it.
MAX_CHAT_BUCKETS = 10_000


class SendingLimits:
    def __init__(
        self,
        rates: Mapping[str, float],
        *,
        per_chat_seconds: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rates = dict(rates)
        self.per_chat_seconds = per_chat_seconds
        self.monotonic = monotonic
        self._messengers = {
            channel: AsyncLimiter(1, 1.0 / rate) for channel, rate in self.rates.items()
        }
        self._chats: dict[tuple[str, str], AsyncLimiter] = {}
        self._paused_until: dict[str, float] = {}

    def rate(self, channel: str) -> float:
        return self.rates[channel]

    async def slot(self, channel: str, chat: str) -> None:
        """Wait until a message to ``chat`` on ``channel`` may leave."""
        await self._chat_bucket(channel, chat).acquire()
        while True:
            wait = self._paused_until.get(channel, 0.0) - self.monotonic()
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        await self._messengers[channel].acquire()

    def pause(self, channel: str, seconds: float) -> None:
        """The messenger asked us to wait: nothing leaves for it before then."""
        until = self.monotonic() + seconds
        self._paused_until[channel] = max(self._paused_until.get(channel, 0.0), until)

    def paused_for(self, channel: str) -> float:
        return max(self._paused_until.get(channel, 0.0) - self.monotonic(), 0.0)

    def _chat_bucket(self, channel: str, chat: str) -> AsyncLimiter:
        key = (channel, chat)
        bucket = self._chats.get(key)
        if bucket is None:
            if len(self._chats) >= MAX_CHAT_BUCKETS:
                self._forget_idle()
            bucket = self._chats[key] = AsyncLimiter(1, self.per_chat_seconds)
        return bucket

    def _forget_idle(self) -> None:
        # A bucket with room for a whole message has drained: dropping it loses nothing.
        for key in [key for key, bucket in self._chats.items() if bucket.has_capacity(1)]:
            del self._chats[key]
