"""The routers of every module joined into one table for the conversation core.

Two modules may not claim the same command, button prefix, text step, deep-link kind or
hook: ``join`` refuses the second claim with ``ClaimConflict``, naming both modules, so
the program stops at start-up instead of silently letting one module shadow another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from handlers.router import (
    ButtonRoute,
    CommandHandler,
    CommandInfo,
    DeepLinkHandler,
    Hook,
    Label,
    MenuEntry,
    Router,
    TextHandler,
)
from handlers.texts import Texts

K = TypeVar("K")
V = TypeVar("V")


class ClaimConflict(ValueError):
    """Two modules claim the same name in a shared table; the message names both."""


@dataclass(frozen=True, slots=True)
class Owned:
    """A router and the module it belongs to."""

    module: str
    router: Router


def claim(
    table: dict[K, V],
    owners: dict[K, str],
    what: str,
    items: Iterable[tuple[K, V]],
    module: str,
    shown: Callable[[K], str] = str,
) -> None:
    """Put ``items`` into ``table`` for ``module``; a key another module holds is refused."""
    for key, value in items:
        holder = owners.get(key)
        if holder is not None:
            raise ClaimConflict(
                f"{what} {shown(key)} is claimed by both module {holder!r} and module {module!r}"
            )
        owners[key] = module
        table[key] = value


def _slash(name: str) -> str:
    return "/" + name


@dataclass(frozen=True)
class ChatRoutes:
    commands: Mapping[str, CommandHandler]
    buttons: Mapping[str, ButtonRoute]
    steps: Mapping[tuple[str, str], TextHandler]
    deep_links: Mapping[str, DeepLinkHandler]
    hooks: Mapping[Hook, CommandHandler]
    menu: Sequence[MenuEntry]
    profile: Sequence[MenuEntry]
    listed_commands: Sequence[CommandInfo]
    intros: Sequence[Label]

    @classmethod
    def join(cls, parts: Sequence[Owned]) -> ChatRoutes:
        commands: dict[str, CommandHandler] = {}
        buttons: dict[str, ButtonRoute] = {}
        steps: dict[tuple[str, str], TextHandler] = {}
        deep_links: dict[str, DeepLinkHandler] = {}
        hooks: dict[Hook, CommandHandler] = {}
        command_owners: dict[str, str] = {}
        button_owners: dict[str, str] = {}
        step_owners: dict[tuple[str, str], str] = {}
        link_owners: dict[str, str] = {}
        hook_owners: dict[Hook, str] = {}
        menu: list[MenuEntry] = []
        profile: list[MenuEntry] = []
        listed: list[CommandInfo] = []
        intros: list[tuple[int, Label]] = []
        for part in parts:
            router, module = part.router, part.module
            claim(commands, command_owners, "command", router.commands.items(), module, _slash)
            claim(buttons, button_owners, "button prefix", router.buttons.items(), module, repr)
            claim(steps, step_owners, "text step", router.steps.items(), module, "/".join)
            links = router.deep_links.items()
            claim(deep_links, link_owners, "deep-link kind", links, module, repr)
            claim(hooks, hook_owners, "hook", router.hooks.items(), module, str)
            menu += router.menu
            profile += router.profile
            listed += router.listed_commands
            if router.intro is not None:
                intros.append((router.intro_order, router.intro))
        missing = set(Hook) - set(hooks)
        if missing:
            raise ValueError(f"no module handles the hooks {sorted(missing)}")
        for entry in (*menu, *profile):
            if entry.press.prefix not in buttons:
                raise ValueError(
                    f"a menu entry presses {entry.press.prefix!r}, which no module handles"
                )
        return cls(
            commands=commands,
            buttons=buttons,
            steps=steps,
            deep_links=deep_links,
            hooks=hooks,
            menu=sorted(menu, key=lambda entry: entry.order),
            profile=sorted(profile, key=lambda entry: entry.order),
            listed_commands=sorted(listed, key=lambda info: info.order),
            intros=[label for _, label in sorted(intros, key=lambda item: item[0])],
        )

    def command_menu(self, t: Texts) -> list[tuple[str, str]]:
        """(command without the slash, short description) in the order menus show them."""
        return [(info.name, info.description(t)) for info in self.listed_commands]
