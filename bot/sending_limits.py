"""How fast the outbox may write to each messenger: a rate per messenger with no burst
above it, about one message per second per chat, and a pause when the messenger says
"too many requests" (Telegram's 429 ``retry_after``); calls that reach many chats at once
(Viber's ``broadcast_message``) have their own rate per call; and a messenger may cap what
one user gets in an hour (Viber: 100).

The timing is aiolimiter's leaky buckets: a messenger's bucket (``messenger_bucket``)
holds one message per hundred of the rate and drains a little below it, so messages leave
evenly spaced, never more than the rate (plus one) in any one second, and a late wake-up
of the event loop is made up for; each chat has a bucket of one that drains in a second;
a named call (``"viber:broadcast"``) has a bucket of one call at its rate.

The hourly cap is a sliding window of send times per chat, not a leaky bucket: a bucket of
100 draining over an hour would let nearly 200 through in one hour; a message from the
user starts it over. It is not waited for: ``hour_wait`` says how long until a chat has
room, and the caller puts the message off. It counts what this worker sent: several
workers each count their own (the outbox spreads a chat's messages over them).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping

from aiolimiter import AsyncLimiter

# Chats' buckets kept at once; idle ones (already drained) are let go beyond it.
MAX_CHAT_BUCKETS = 10_000
# Calls to many chats at once, per second: Viber's broadcast_message, 500 per 10 s.
CALL_RATES = {"viber:broadcast": 50.0}
# Messages one user may get from us in an hour (Viber: 100 without a reply from them).
PER_CHAT_HOURLY = {"viber": 100}
HOUR_SECONDS = 3600.0
# Chats whose hour is counted at once; beyond it the longest unused is forgotten (its
# count starts over), so a broadcast to millions keeps a bounded dictionary.
MAX_HOURLY_CHATS = 100_000


def messenger_bucket(rate: float) -> AsyncLimiter:
    """A leaky bucket that admits at most ``rate + 1`` messages in any one second and
    holds ``rate`` within about 1 % however late the event loop wakes the waiters.

    A bucket of one message draining at ``rate`` keeps that bound, but every moment the
    loop wakes a waiter late is lost for good (the bucket cannot hold more than empty):
    at 1,000 a second that cost 13 % alone and about half in the worker. A bucket of
    ``capacity`` messages makes up for ``capacity - 1`` of them; it drains at
    ``rate + 1 - capacity`` so that a full bucket plus a second of draining is still
    ``rate + 1``. At 25 a second it is the bucket of one; at 1,000: 11 draining at 990.
    """
    capacity = 1 + int(rate // 100)
    drain = rate + 1 - capacity
    return AsyncLimiter(capacity, capacity / drain)


class SendingLimits:
    def __init__(
        self,
        rates: Mapping[str, float],
        *,
        per_chat_seconds: float = 1.0,
        call_rates: Mapping[str, float] = CALL_RATES,
        per_chat_hourly: Mapping[str, int] = PER_CHAT_HOURLY,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rates = dict(rates)
        self.per_chat_hourly = dict(per_chat_hourly)
        self.per_chat_seconds = per_chat_seconds
        self.monotonic = monotonic
        self._messengers = {channel: messenger_bucket(rate) for channel, rate in self.rates.items()}
        self._calls = {name: AsyncLimiter(1, 1.0 / rate) for name, rate in call_rates.items()}
        self._chats: dict[tuple[str, str], AsyncLimiter] = {}
        self._hours: dict[tuple[str, str], deque[float]] = {}
        self._paused_until: dict[str, float] = {}

    def rate(self, channel: str) -> float:
        return self.rates[channel]

    async def slot(self, channel: str, chat: str) -> None:
        """Wait until a message to ``chat`` on ``channel`` may leave."""
        await self._chat_bucket(channel, chat).acquire()
        await self._pause_over(channel)
        await self._messengers[channel].acquire()

    async def call_slot(self, call: str) -> None:
        """Wait until a call to many chats (``"viber:broadcast"``) may leave: its own rate
        per call, and no sooner than a pause of its messenger (the part before ":")."""
        await self._pause_over(call.partition(":")[0])
        await self._calls[call].acquire()

    def hour_wait(self, channel: str, chat: str, replied_ago: float | None = None) -> float:
        """Count a message to ``chat`` in its last hour and say 0.0; or, when that hour
        already holds the messenger's cap, count nothing and say how many seconds until
        the oldest of them leaves it. Messengers without a cap always get 0.0. The user
        wrote to us ``replied_ago`` seconds ago (None: not known): Viber's count starts
        over when the user replies, so messages before that are not counted."""
        cap = self.per_chat_hourly.get(channel)
        if cap is None:
            return 0.0
        now = self.monotonic()
        key = (channel, chat)
        sent = self._hours.pop(key, None)  # put back last: the dict is kept oldest-used first
        if sent is None:
            if len(self._hours) >= MAX_HOURLY_CHATS:
                del self._hours[next(iter(self._hours))]
            sent = deque(maxlen=cap)
        self._hours[key] = sent
        replied_at = now - replied_ago if replied_ago is not None else None
        while sent and (
            sent[0] <= now - HOUR_SECONDS or (replied_at is not None and sent[0] < replied_at)
        ):
            sent.popleft()
        if len(sent) >= cap:
            return sent[0] + HOUR_SECONDS - now
        sent.append(now)
        return 0.0

    async def _pause_over(self, channel: str) -> None:
        while True:
            wait = self._paused_until.get(channel, 0.0) - self.monotonic()
            if wait <= 0:
                break
            await asyncio.sleep(wait)

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
