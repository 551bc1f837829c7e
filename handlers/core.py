"""The conversation core: one event in, replies out, in one database transaction.

For each event: drop it if its platform id was seen before; lock (or create) the sender's
channel account so that two events of one user run one after the other; turn typed
numbers and button labels into button presses; route to the modules' routers; persist the
dialog state. Effects and the event's "seen" mark commit together or not at all.

When handling fails:

- the connection was lost: the event runs once more on a fresh connection (nothing was
  committed, and the event id guards against a second effect anyway);
- the database is unavailable (a lost connection again, a timeout): ``DatabaseUnavailable``
  goes to the channel, which asks the messenger to deliver the event again later;
- anything else (a deterministic database error, a bug): nothing the event did is kept; it
  is logged with its event id, marked done in a transaction of its own (so a re-delivery
  is a repeat, not the same failure again), and the citizen is told in their language
  that something went wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from civic.clock import Clock
from civic.outbox import owe_kept_replies
from handlers.context import Context, CoreConfig
from handlers.events import (
    MAX_INPUT_CHARS,
    ButtonPress,
    Command,
    ContactShared,
    IncomingEvent,
    Text,
    parse_command,
)
from handlers.kept_replies import KEPT_REPLY_KIND, kept
from handlers.payloads import split_prefix
from handlers.replies import Reply
from handlers.router import Hook
from handlers.routing import ChatRoutes
from handlers.state import DialogState
from locales.catalog import pick_locale
from storage import repositories as repo
from storage.db import Database
from storage.errors import DatabaseUnavailable, is_unavailable
from storage.models import ChannelAccount

log = logging.getLogger(__name__)

MAX_ROUTING_DEPTH = 3


def default_share_link(payload: str) -> str:
    return f"/start {payload}"


@dataclass(frozen=True, slots=True)
class HandledEvent:
    """The replies to an event; ``repeated`` when its platform id was handled before (then
    there is no effect and nothing at all may be sent, not even an acknowledgement)."""

    replies: list[Reply] = field(default_factory=list)
    repeated: bool = False


class ConversationCore:
    def __init__(
        self,
        database: Database,
        config: CoreConfig,
        clock: Clock,
        routes: ChatRoutes,
        share_links: Mapping[str, Callable[[str], str]] | None = None,
    ) -> None:
        self.database = database
        self.config = config
        self.clock = clock
        self.routes = routes
        self.share_links = dict(share_links or {})

    async def handle(self, event: IncomingEvent) -> list[Reply]:
        """The replies to ``event`` (none for a repeat)."""
        return (await self.process(event)).replies

    async def process(self, event: IncomingEvent) -> HandledEvent:
        """Handle one event; see the module's docstring for what happens on failure."""
        try:
            try:
                return await self._handle_once(event)
            except Exception as error:
                if not _connection_lost(error):
                    raise
                log.warning("database connection was lost; handling the event again")
                return await self._handle_once(event)
        except Exception as error:
            if is_unavailable(error):
                raise DatabaseUnavailable(str(error)) from error
            log.exception(
                "event %s/%s from %s failed; nothing it did is kept",
                event.sender.channel,
                event.event_id,
                event.sender.user_id,
            )
        return await self._failed(event)

    async def set_reachable(self, channel: str, user_id: str, reachable: bool) -> bool:
        """The platform says the user blocked/unsubscribed (False) or came back (True)."""
        try:
            async with self.database.transaction() as session:
                return await repo.set_reachable(
                    session, channel, user_id, reachable, self.clock.now()
                )
        except Exception as error:
            if is_unavailable(error):
                raise DatabaseUnavailable(str(error)) from error
            raise

    async def keep_undelivered(self, channel: str, user_id: str, replies: Sequence[Reply]) -> None:
        """Replies a messenger did not take (an error, a long 429): into the outbox, so the
        worker sends them when it can instead of their being lost."""
        if not replies:
            return
        async with self.database.transaction() as session:
            await owe_kept_replies(
                session,
                channel=channel,
                external_id=user_id,
                kind=KEPT_REPLY_KIND,
                replies=kept(replies),
                now=self.clock.now(),
            )

    async def _handle_once(self, event: IncomingEvent) -> HandledEvent:
        async with self.database.transaction() as session:
            now = self.clock.now()
            account = await self._open(session, event, now)
            if account is None:
                return HandledEvent(repeated=True)
            ctx = self._context(session, event, account, now)
            await self._route(ctx, event)
            await self._finish(ctx)
            return HandledEvent(ctx.replies)

    async def _failed(self, event: IncomingEvent) -> HandledEvent:
        """Mark a failed event done and tell its sender, in a transaction of its own."""
        try:
            async with self.database.transaction() as session:
                now = self.clock.now()
                account = await self._open(session, event, now)
                if account is None:
                    return HandledEvent(repeated=True)
                # The flow that failed may fail again from the same state: start afresh.
                ctx = self._context(session, event, account, now, DialogState())
                await self.routes.hooks[Hook.FAILED](ctx, "")
                await self._finish(ctx)
                return HandledEvent(ctx.replies)
        except Exception as error:
            if is_unavailable(error):
                raise DatabaseUnavailable(str(error)) from error
            raise

    async def _open(
        self, session: AsyncSession, event: IncomingEvent, now: datetime
    ) -> ChannelAccount | None:
        """Claim the event and lock its sender's account (made on first contact); None
        when the event was handled before."""
        sender = event.sender
        opened = await repo.open_event(session, sender.channel, sender.user_id, event.event_id, now)
        if not opened.fresh:
            log.info("dropping repeated event %s/%s", sender.channel, event.event_id)
            return None
        if opened.account is not None:
            return opened.account
        locale = pick_locale(sender.language_code, self.config.default_locale)
        return await repo.lock_account(session, sender.channel, sender.user_id, locale, now)

    def _context(
        self,
        session: AsyncSession,
        event: IncomingEvent,
        account: ChannelAccount,
        now: datetime,
        state: DialogState | None = None,
    ) -> Context:
        return Context(
            session=session,
            event=event,
            account=account,
            state=DialogState.load(account.dialog_state) if state is None else state,
            now=now,
            config=self.config,
            routes=self.routes,
            share_link=self.share_links.get(event.sender.channel, default_share_link),
        )

    async def _finish(self, ctx: Context) -> None:
        """Remember the choices on screen and the phone request; save the dialog."""
        state = ctx.state
        if ctx.replies:
            state.choices = [(b.label, b.payload) for b in ctx.replies[-1].choices]
            asks_phone = any(reply.request_phone for reply in ctx.replies)
            if state.phone_requested and not asks_phone:
                ctx.replies[0] = replace(ctx.replies[0], ends_phone_request=True)
            state.phone_requested = asks_phone
        await repo.save_dialog(ctx.session, ctx.account, state.dump(), ctx.now)

    async def _route(self, ctx: Context, event: IncomingEvent) -> None:
        body = event.body
        if isinstance(body, Text):
            if len(body.text) > MAX_INPUT_CHARS:
                await self.routes.hooks[Hook.TOO_LONG](ctx, "")
                return
            command = parse_command(body.text)
            if command is not None:
                body = command
            else:
                payload = choice_for(ctx.state, body.text)
                if payload is not None:
                    body = ButtonPress(payload)
        if isinstance(body, Command):
            await self._command(ctx, body)
        elif isinstance(body, ButtonPress):
            await self.press(ctx, body.payload)
        elif isinstance(body, ContactShared):
            await self.routes.hooks[Hook.CONTACT](ctx, "")
        else:
            step = self.routes.steps.get((ctx.state.flow or "", ctx.state.step or ""))
            if step is not None:
                await step(ctx, body.text)
            else:
                await self.routes.hooks[Hook.FALLBACK](ctx, body.text)
        depth = 0
        while ctx.follow_up is not None and depth < MAX_ROUTING_DEPTH:
            payload, ctx.follow_up = ctx.follow_up, None
            await self.press(ctx, payload)
            depth += 1

    async def _command(self, ctx: Context, command: Command) -> None:
        handler = self.routes.commands.get(command.name)
        if handler is None:
            await self.routes.hooks[Hook.UNKNOWN_COMMAND](ctx, command.name)
            return
        await handler(ctx, command.payload)

    async def press(self, ctx: Context, payload: str) -> None:
        """A button's payload, parsed by its route's codec; anything else is stale."""
        prefix, arguments = split_prefix(payload)
        route = self.routes.buttons.get(prefix)
        parsed = None if route is None else route.codec.parse(arguments)
        if route is None or parsed is None:
            await self.routes.hooks[Hook.STALE_BUTTON](ctx, payload)
            return
        await route.handler(ctx, parsed)


def choice_for(state: DialogState, text: str) -> str | None:
    """A typed number ("2") or a button's label ("Petitions") picks that button."""
    typed = text.strip().rstrip(".").casefold()
    if not typed or not state.choices:
        return None
    # isdecimal, not isdigit: "²" or "③" are digits that int() refuses.
    if typed.isdecimal():
        index = int(typed) - 1 if len(typed) <= 3 else -1
        return state.choices[index][1] if 0 <= index < len(state.choices) else None
    for label, payload in state.choices:
        if _bare(label) == _bare(typed):
            return payload
    return None


def _bare(label: str) -> str:
    """A label without emoji and punctuation, case-folded: "📜 Petitions" → "petitions"."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in label.casefold()).split())


def _connection_lost(error: BaseException) -> bool:
    return isinstance(error, DBAPIError) and error.connection_invalidated
