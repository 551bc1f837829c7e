"""The conversation core: one event in, replies out, in one database transaction.

For each event: drop it if its platform id was seen before; lock (or create) the sender's
channel account so that two events of one user run one after the other; turn typed
numbers and button labels into button presses; route to the feature routers; persist the
dialog state. Effects and the event's "seen" mark commit together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from sqlalchemy.exc import DBAPIError

from civic.clock import Clock
from handlers.context import Context, CoreConfig
from handlers.events import ButtonPress, Command, ContactShared, IncomingEvent, Text, parse_command
from handlers.replies import Reply
from handlers.router import Hook, Router
from handlers.state import DialogState
from locales.catalog import pick_locale
from storage import repositories as repo
from storage.db import Database

log = logging.getLogger(__name__)

# Longer input than any field accepts is refused before it reaches a flow (and is never
# stored); the flows give the precise limit of their own field.
MAX_INPUT_CHARS = 20_000
MAX_ROUTING_DEPTH = 3


def default_share_link(payload: str) -> str:
    return f"/start {payload}"


class ConversationCore:
    def __init__(
        self,
        database: Database,
        config: CoreConfig,
        clock: Clock,
        routers: Sequence[Router],
        share_links: Mapping[str, Callable[[str], str]] | None = None,
    ) -> None:
        self.database = database
        self.config = config
        self.clock = clock
        self.routers = list(routers)
        self.share_links = dict(share_links or {})
        self._commands = {k: v for r in routers for k, v in r.commands.items()}
        self._buttons = {k: v for r in routers for k, v in r.buttons.items()}
        self._steps = {k: v for r in routers for k, v in r.steps.items()}
        self._deep_links = {k: v for r in routers for k, v in r.deep_links.items()}
        self._menu = [entry for r in routers for entry in r.menu]
        self._hooks = {k: v for r in routers for k, v in r.hooks.items()}
        missing = set(Hook) - set(self._hooks)
        if missing:
            raise ValueError(f"no router handles the hooks {sorted(missing)}")

    async def handle(self, event: IncomingEvent) -> list[Reply]:
        """Handle one event; once more if the database connection turned out to be dead.

        A dropped connection fails the event before anything is committed, so running it
        again on a fresh connection cannot apply it twice (and the event id guards too).
        """
        try:
            return await self._handle_once(event)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            log.warning("database connection was lost; handling the event again")
            return await self._handle_once(event)

    async def set_reachable(self, channel: str, user_id: str, reachable: bool) -> bool:
        """The platform says the user blocked/unsubscribed (False) or came back (True)."""
        async with self.database.transaction() as session:
            return await repo.set_reachable(session, channel, user_id, reachable, self.clock.now())

    async def _handle_once(self, event: IncomingEvent) -> list[Reply]:
        async with self.database.transaction() as session:
            now = self.clock.now()
            sender = event.sender
            opened = await repo.open_event(
                session, sender.channel, sender.user_id, event.event_id, now
            )
            if not opened.fresh:
                log.info("dropping repeated event %s/%s", sender.channel, event.event_id)
                return []
            account = opened.account
            if account is None:  # first contact: the account is created, then locked
                locale = pick_locale(sender.language_code, self.config.default_locale)
                account = await repo.lock_account(
                    session, sender.channel, sender.user_id, locale, now
                )
            state = DialogState.load(account.dialog_state)
            ctx = Context(
                session=session,
                event=event,
                account=account,
                state=state,
                now=now,
                config=self.config,
                menu_entries=self._menu,
                deep_links=self._deep_links,
                share_link=self.share_links.get(sender.channel, default_share_link),
            )
            await self._route(ctx, event)
            if ctx.replies:
                state.choices = [(b.label, b.payload) for b in ctx.replies[-1].choices]
                asks_phone = any(reply.request_phone for reply in ctx.replies)
                if state.phone_requested and not asks_phone:
                    ctx.replies[0] = replace(ctx.replies[0], ends_phone_request=True)
                state.phone_requested = asks_phone
            await repo.save_dialog(session, account, state.dump(), now)
            return ctx.replies

    async def _route(self, ctx: Context, event: IncomingEvent) -> None:
        body = event.body
        if isinstance(body, Text):
            if len(body.text) > MAX_INPUT_CHARS:
                await self._hooks[Hook.TOO_LONG](ctx, "")
                return
            command = parse_command(body.text)
            if command is not None:
                body = command
            else:
                payload = self._choice_for(ctx.state, body.text)
                if payload is not None:
                    body = ButtonPress(payload)
        if isinstance(body, Command):
            await self._command(ctx, body)
        elif isinstance(body, ButtonPress):
            await self.press(ctx, body.payload)
        elif isinstance(body, ContactShared):
            await self._hooks[Hook.CONTACT](ctx, "")
        else:
            step = self._steps.get((ctx.state.flow or "", ctx.state.step or ""))
            if step is not None:
                await step(ctx, body.text)
            else:
                await self._hooks[Hook.FALLBACK](ctx, body.text)
        depth = 0
        while ctx.follow_up is not None and depth < MAX_ROUTING_DEPTH:
            payload, ctx.follow_up = ctx.follow_up, None
            await self.press(ctx, payload)
            depth += 1

    async def _command(self, ctx: Context, command: Command) -> None:
        handler = self._commands.get(command.name)
        if handler is None:
            await self._hooks[Hook.UNKNOWN_COMMAND](ctx, command.name)
            return
        await handler(ctx, command.payload)

    async def press(self, ctx: Context, payload: str) -> None:
        prefix, *args = payload.split(":")
        handler = self._buttons.get(prefix)
        if handler is None:
            await self._hooks[Hook.STALE_BUTTON](ctx, payload)
            return
        await handler(ctx, args)

    @staticmethod
    def _choice_for(state: DialogState, text: str) -> str | None:
        """A typed number ("2") or a button's label ("Petitions") picks that button."""
        typed = text.strip().rstrip(".").casefold()
        if not typed or not state.choices:
            return None
        if typed.isdigit():
            index = int(typed) - 1
            return state.choices[index][1] if 0 <= index < len(state.choices) else None
        for label, payload in state.choices:
            if _bare(label) == _bare(typed):
                return payload
        return None


def _bare(label: str) -> str:
    """A label without emoji and punctuation, case-folded: "📜 Petitions" → "petitions"."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in label.casefold()).split())
