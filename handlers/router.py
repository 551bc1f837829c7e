"""One router per feature, joined in the entry point (the aiogram shape, without aiogram).

A router declares what its feature adds to the conversation: commands (with the line the
command menu and /help show), buttons (one typed payload class per route, see
``handlers.payloads``), text steps of its flows, deep links, main-menu and profile
entries, and the one line of the welcome text that says what the feature is for. The
core joins the routers of every module (``handlers.routing``) and refuses two that claim
the same thing.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from handlers.flows import Flow
from handlers.payloads import Payload

if TYPE_CHECKING:
    from handlers.context import Context
    from handlers.texts import Texts

P = TypeVar("P", bound=Payload)

TextHandler = Callable[["Context", str], Awaitable[None]]
CommandHandler = Callable[["Context", str], Awaitable[None]]
DeepLinkHandler = Callable[["Context", int], Awaitable[None]]
PressHandler = Callable[["Context", Any], Awaitable[None]]
PressOf = Callable[["Context", P], Awaitable[None]]
Label = Callable[["Texts"], str]

# Telegram's rules for a bot command, the strictest of our channels.
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_DEEP_LINK_KIND = re.compile(r"[a-z][a-z0-9]{0,30}")


class Hook(enum.StrEnum):
    """Situations the core hands to a flow instead of a command, button or step."""

    FALLBACK = "fallback"  # text that matched no choice and no step
    UNKNOWN_COMMAND = "unknown_command"  # argument: the command's name
    STALE_BUTTON = "stale_button"  # argument: the payload nobody handles
    TOO_LONG = "too_long"  # text longer than any field accepts
    CONTACT = "contact"  # a phone shared through the messenger
    FAILED = "failed"  # handling the event failed; nothing it did was kept


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """A main-menu (or profile) item: its place, its label in a language, its button."""

    order: int
    label: Label
    press: Payload


@dataclass(frozen=True, slots=True)
class CommandInfo:
    """A command as menus and /help list it: its place and its short description."""

    name: str
    order: int
    description: Label


@dataclass(frozen=True, slots=True)
class ButtonRoute:
    """A button prefix's payload class and the handler its parsed payloads go to."""

    codec: type[Payload]
    handler: PressHandler


@dataclass
class Router:
    name: str
    # One line of the welcome text: what this feature lets a citizen do.
    intro: Label | None = None
    intro_order: int = 100
    commands: dict[str, CommandHandler] = field(default_factory=dict)
    listed_commands: list[CommandInfo] = field(default_factory=list)
    buttons: dict[str, ButtonRoute] = field(default_factory=dict)
    steps: dict[tuple[str, str], TextHandler] = field(default_factory=dict)
    deep_links: dict[str, DeepLinkHandler] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)
    profile: list[MenuEntry] = field(default_factory=list)
    hooks: dict[Hook, CommandHandler] = field(default_factory=dict)

    def hook(self, hook: Hook) -> Callable[[CommandHandler], CommandHandler]:
        def register(handler: CommandHandler) -> CommandHandler:
            self.hooks[hook] = handler
            return handler

        return register

    def command(
        self, name: str, *, description: Label | None = None, order: int = 100
    ) -> Callable[[CommandHandler], CommandHandler]:
        """Handle ``/name``; with a ``description`` it is listed in menus and /help."""
        if not _COMMAND.fullmatch(name):
            raise ValueError(f"command /{name} must match {_COMMAND.pattern}")

        def register(handler: CommandHandler) -> CommandHandler:
            self.commands[name] = handler
            if description is not None:
                self.listed_commands.append(CommandInfo(name, order, description))
            return handler

        return register

    def button(self, codec: type[P]) -> Callable[[PressOf[P]], PressOf[P]]:
        """Handle presses of ``codec``'s buttons; the handler gets the parsed payload."""

        def register(handler: PressOf[P]) -> PressOf[P]:
            self.buttons[codec.prefix] = ButtonRoute(codec, handler)
            return handler

        return register

    def step(
        self, flow: Flow[Any, Any], step: enum.StrEnum
    ) -> Callable[[TextHandler], TextHandler]:
        """Handle free text typed while the dialog is at ``step`` of ``flow``."""
        if not isinstance(step, flow.steps):
            raise TypeError(f"{step!r} is not a step of the flow {flow.name!r}")

        def register(handler: TextHandler) -> TextHandler:
            self.steps[(flow.name, step.value)] = handler
            return handler

        return register

    def deep_link(self, kind: str) -> Callable[[DeepLinkHandler], DeepLinkHandler]:
        """Handle ``/start kind_<id>`` (Telegram) or a Viber ``context`` of that form."""
        if not _DEEP_LINK_KIND.fullmatch(kind):
            raise ValueError(f"deep-link kind {kind!r} must match {_DEEP_LINK_KIND.pattern}")

        def register(handler: DeepLinkHandler) -> DeepLinkHandler:
            self.deep_links[kind] = handler
            return handler

        return register

    def menu_entry(self, order: int, label: Label, press: Payload) -> None:
        self.menu.append(MenuEntry(order, label, press))

    def profile_entry(self, order: int, label: Label, press: Payload) -> None:
        """A button under "My profile" (my petitions, my requests...)."""
        self.profile.append(MenuEntry(order, label, press))
