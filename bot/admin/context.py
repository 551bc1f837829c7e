"""What an admin page handler is given: the request, the signed-in official's access, the
texts in their language, the clock, the database, and rendering."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin.charts import RecentCharts
from bot.admin.render import Renderer
from civic.access import Access, AccessDenied, Permission
from civic.audit import Actor, record
from civic.clock import Clock
from civic.official_sessions import SessionPolicy
from handlers.texts import Texts
from storage.db import Database

if TYPE_CHECKING:
    from bot.admin.contract import DashboardPanel

# A bound on the OFFSET any URL can make the database skip.
MAX_PAGE = 100_000
LANGUAGE_COOKIE = "vz_admin_lang"
LANGUAGES = ("uk", "en")


@dataclass
class AdminContext:
    request: web.Request
    database: Database
    clock: Clock
    zone: ZoneInfo
    texts: Texts
    renderer: Renderer
    access: Access | None
    csrf_token: str
    nav: list[tuple[str, str]]  # (path, translated label) the official may open
    now: datetime
    panels: Sequence[DashboardPanel] = field(default_factory=tuple)
    # The signed-in browser's session (its token's digest) and the sessions' policy.
    session_key: str | None = None
    session_policy: SessionPolicy = field(default_factory=SessionPolicy)
    # The site's recent signature curves (bot.admin.charts.RecentCharts).
    charts: RecentCharts = field(default_factory=RecentCharts)

    @property
    def address(self) -> str:
        return self.request.remote or "unknown"

    @property
    def actor(self) -> Actor:
        return Actor(self.access, self.address)

    @property
    def official(self) -> Access:
        """The signed-in official (pages behind the guard always have one)."""
        if self.access is None:
            raise web.HTTPForbidden()
        return self.access

    def audit(
        self,
        session: AsyncSession,
        *,
        action: str,
        object_type: str,
        object_id: int | str | None,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        summary: str | None = None,
    ) -> None:
        """The audit entry of this official's action, in the action's own transaction."""
        record(
            session,
            self.actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            now=self.now,
            before=before,
            after=after,
            summary=summary,
        )

    def require(self, permission: Permission, authority_id: int | None = None) -> None:
        """Refuse unless the official may; an object of another authority is "not found",
        so probing ids tells nothing."""
        access = self.official
        if not access.can(permission):
            raise AccessDenied()
        if authority_id is not None and not access.sees_authority(authority_id):
            raise AccessDenied(hide=True)

    def int_param(self, name: str) -> int:
        raw = self.request.match_info.get(name, "")
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
            raise web.HTTPNotFound()
        return int(raw)

    def page_number(self) -> int:
        """The list page the URL asks for (``?page=``), 1 for anything unreadable."""
        raw = self.request.query.get("page", "1")
        if not (raw.isascii() and raw.isdigit()):
            return 1
        return MAX_PAGE if len(raw) > 6 else min(max(int(raw), 1), MAX_PAGE)

    def render(self, template: str, *, http_status: int = 200, **values: Any) -> web.Response:
        html = self.render_fragment(template, **values)
        response = web.Response(text=html, status=http_status, content_type="text/html")
        return response

    def render_fragment(self, template: str, **values: Any) -> str:
        return self.renderer.render(
            template,
            texts=self.texts,
            access=self.access,
            csrf_token=self.csrf_token,
            nav=self.nav,
            path=self.request.path,
            query=self.request.query,
            now=self.now,
            **values,
        )


def language_of(request: web.Request, default: str) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else default


def pages_for(total: int, size: int) -> int:
    """How many pages ``total`` rows fill (one, even when empty)."""
    return max((total + size - 1) // size, 1)
