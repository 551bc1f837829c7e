"""What a messenger channel provides to the server: routes, start-up, shutdown.

A channel turns platform updates into ``IncomingEvent`` for the conversation core and
renders the core's ``Reply`` objects back. It holds no business logic.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aiohttp import web

from handlers.replies import Reply


class ChannelStartError(Exception):
    """A channel cannot start (bad token, unreachable API); the message names the setting."""


class ChatChannel(Protocol):
    name: str

    def add_routes(self, app: web.Application) -> None:
        """Register the webhook route(s) on the one HTTP server, before it starts."""

    async def start(self) -> None:
        """Check the token and register the webhook (or start polling).

        Called once the server listens: Viber calls the webhook URL back while
        ``set_webhook`` is still in flight.
        """

    async def stop(self) -> None:
        """Stop polling, close HTTP sessions."""


class PushOutcome(enum.Enum):
    DELIVERED = "delivered"
    UNREACHABLE = "unreachable"  # blocked, unsubscribed: try another messenger, or drop
    FAILED = "failed"  # anything else: try again later


@dataclass(frozen=True)
class RateLimited:
    """The messenger refused for now and said how long to wait (Telegram's 429): nothing
    was sent, and nothing more should be sent to it before then."""

    retry_after: float


PushResult = PushOutcome | RateLimited


@runtime_checkable
class Pusher(Protocol):
    """A channel that can write to a user first (the notifier's notices)."""

    name: str

    async def push(
        self, external_id: str, replies: Sequence[Reply], *, broadcast: bool = False
    ) -> PushResult:
        """Send ``replies`` to the user; say how it went. Never raises for the platform's
        refusals, and never waits out a rate limit itself: the outbox does. ``broadcast``:
        one of many identical messages (Telegram may send it as a paid broadcast)."""


@runtime_checkable
class BroadcastPusher(Pusher, Protocol):
    """A pusher that can send one message to many users in one call (Viber's
    ``broadcast_message``): the outbox sends a broadcast's rows through it in groups."""

    async def push_many(
        self, external_ids: Sequence[str], replies: Sequence[Reply]
    ) -> dict[str, PushResult]:
        """Send the same ``replies`` to every user of ``external_ids`` (at most 300); how
        it went for each. Never raises for the platform's refusals."""
