"""What a module adds to the admin web: its routes, its entries in the navigation and its
panels on the dashboard ("what waits for me")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from aiohttp import web

from civic.access import Permission
from handlers.texts import Texts

if TYPE_CHECKING:
    from bot.admin.context import AdminContext

AdminHandler = Callable[["AdminContext"], Awaitable[web.StreamResponse]]
# A dashboard panel: the HTML fragment (already rendered and escaped) or None to show none.
DashboardPanel = Callable[["AdminContext"], Awaitable[str | None]]


@dataclass(frozen=True)
class AdminRoute:
    """One page or action. ``path`` is below ``/admin`` (``/petitions/{id}``); every POST
    is checked for the session's CSRF token before the handler runs, and ``permission``
    before either."""

    method: Literal["GET", "POST"]
    path: str
    handler: AdminHandler
    permission: Permission = Permission.VIEW


@dataclass(frozen=True)
class NavEntry:
    path: str
    # The label in the official's language: ``lambda t: t._("Petitions")``, so that
    # `make extract` finds the msgid where it is written.
    label: Callable[[Texts], str]
    permission: Permission = Permission.VIEW


@dataclass(frozen=True)
class AdminViews:
    routes: Sequence[AdminRoute] = ()
    nav: Sequence[NavEntry] = ()
    panels: Sequence[DashboardPanel] = field(default_factory=tuple)
