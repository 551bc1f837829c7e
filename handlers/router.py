"""One router per feature, joined in the entry point (the aiogram shape, without aiogram)."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers.context import Context
    from handlers.texts import Texts

ButtonHandler = Callable[["Context", list[str]], Awaitable[None]]
TextHandler = Callable[["Context", str], Awaitable[None]]
CommandHandler = Callable[["Context", str], Awaitable[None]]
DeepLinkHandler = Callable[["Context", int], Awaitable[None]]


class Hook(enum.StrEnum):
    """Situations the core hands to a flow instead of a command, button or step."""

    FALLBACK = "fallback"  # text that matched no choice and no step
    UNKNOWN_COMMAND = "unknown_command"  # argument: the command's name
    STALE_BUTTON = "stale_button"  # argument: the payload nobody handles
    TOO_LONG = "too_long"  # text longer than any field accepts
    CONTACT = "contact"  # a phone shared through the messenger


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """A main-menu item: its place, its label in a given language, the button it presses."""

    order: int
    label: Callable[[Texts], str]
    payload: str


@dataclass
class Router:
    name: str
    commands: dict[str, CommandHandler] = field(default_factory=dict)
    buttons: dict[str, ButtonHandler] = field(default_factory=dict)
    steps: dict[tuple[str, str], TextHandler] = field(default_factory=dict)
    deep_links: dict[str, DeepLinkHandler] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)
    hooks: dict[Hook, CommandHandler] = field(default_factory=dict)

    def hook(self, hook: Hook) -> Callable[[CommandHandler], CommandHandler]:
        def register(handler: CommandHandler) -> CommandHandler:
            self.hooks[hook] = handler
            return handler

        return register

    def command(self, name: str) -> Callable[[CommandHandler], CommandHandler]:
        def register(handler: CommandHandler) -> CommandHandler:
            self.commands[name] = handler
            return handler

        return register

    def button(self, prefix: str) -> Callable[[ButtonHandler], ButtonHandler]:
        """Handle payloads ``prefix`` or ``prefix:arg:arg``; the args come as a list."""

        def register(handler: ButtonHandler) -> ButtonHandler:
            self.buttons[prefix] = handler
            return handler

        return register

    def step(self, flow: str, step: str) -> Callable[[TextHandler], TextHandler]:
        """Handle free text typed while the dialog is at ``flow``/``step``."""

        def register(handler: TextHandler) -> TextHandler:
            self.steps[(flow, step)] = handler
            return handler

        return register

    def deep_link(self, kind: str) -> Callable[[DeepLinkHandler], DeepLinkHandler]:
        """Handle ``/start kind_<id>`` (Telegram) or a Viber ``context`` of that form."""

        def register(handler: DeepLinkHandler) -> DeepLinkHandler:
            self.deep_links[kind] = handler
            return handler

        return register

    def menu_entry(self, order: int, label: Callable[[Texts], str], payload: str) -> None:
        self.menu.append(MenuEntry(order, label, payload))
