"""The admin web's frame: the guard every page and action passes (session, second factor,
role, CSRF), the security headers, and the routes of the core and of every module."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.admin import accounts, audit_views, auth, dashboard
from bot.admin.context import AdminContext, language_of
from bot.admin.contract import AdminRoute, AdminViews, NavEntry
from bot.admin.forms import Form, FormTooLarge, read_form
from bot.admin.render import Renderer
from bot.admin.responses import refused, see_other
from bot.settings import Settings
from civic.access import Access, AccessDenied, Permission
from civic.clock import Clock
from civic.official_sessions import OfficialSessions, SessionPolicy
from civic.officials import second_factor_required
from handlers.texts import Texts
from storage.db import Database
from storage.official_models import Official

log = logging.getLogger(__name__)

SESSION_COOKIE = "vz_admin_session"
FORM = web.RequestKey("admin_form", Form)
STATIC = Path(__file__).parent / "static"

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}

# Where a signed-in official without a second factor yet may go (administrators must
# enrol before anything else).
ENROLMENT_PATHS = ("/admin/account/second-factor", "/admin/logout")


@dataclass(frozen=True)
class AdminSettings:
    default_locale: str
    zone: ZoneInfo
    secure_cookies: bool  # VZ_PUBLIC_URL is https://
    sessions: SessionPolicy = field(default_factory=SessionPolicy)


def admin_settings(settings: Settings) -> AdminSettings:
    return AdminSettings(
        default_locale=settings.default_locale,
        zone=settings.zone,
        secure_cookies=(settings.public_url or "").startswith("https://"),
        sessions=SessionPolicy(
            idle=timedelta(minutes=settings.admin_session_idle_minutes),
            absolute=timedelta(hours=settings.admin_session_hours),
        ),
    )


class AdminSite:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        settings: AdminSettings,
        module_views: Sequence[AdminViews],
    ) -> None:
        self.database = database
        self.clock = clock
        self.settings = settings
        self.renderer = Renderer()
        core = AdminViews(
            routes=(*dashboard.ROUTES, *audit_views.ROUTES, *accounts.ROUTES),
            nav=(NavEntry("/admin/", "Dashboard"),),
        )
        self.views = [core, *module_views]
        self.nav_entries: list[NavEntry] = [
            *core.nav,
            *(entry for views in module_views for entry in views.nav),
            NavEntry("/admin/audit", "Audit log"),
            NavEntry("/admin/accounts", "Accounts", Permission.MANAGE_ACCOUNTS),
        ]
        self.panels = [panel for views in module_views for panel in views.panels]

    def add_routes(self, app: web.Application) -> None:
        app.router.add_static("/admin/static/", STATIC, append_version=True)
        for route in auth.routes(self):
            app.router.add_route(route.method, route.path, route.handler)
        seen: set[tuple[str, str]] = set()
        for views in self.views:
            for admin_route in views.routes:
                key = (admin_route.method, admin_route.path)
                if key in seen:
                    raise ValueError(f"two admin views claim {admin_route.method} {key[1]}")
                seen.add(key)
                app.router.add_route(
                    admin_route.method, "/admin" + admin_route.path, self.guarded(admin_route)
                )

    # --- building a page's context ------------------------------------------------

    def texts_for(self, request: web.Request) -> Texts:
        return Texts(language_of(request, self.settings.default_locale), self.settings.zone)

    def context(self, request: web.Request, access: Access | None, csrf_token: str) -> AdminContext:
        texts = self.texts_for(request)
        nav = [
            (entry.path, texts._(entry.label))
            for entry in self.nav_entries
            if access is not None and access.can(entry.permission)
        ]
        return AdminContext(
            request=request,
            database=self.database,
            clock=self.clock,
            zone=self.settings.zone,
            texts=texts,
            renderer=self.renderer,
            access=access,
            csrf_token=csrf_token,
            nav=nav,
            now=self.clock.now(),
            panels=self.panels,
        )

    def set_session_cookie(self, response: web.StreamResponse, token: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="Strict",
            secure=self.settings.secure_cookies,
            path="/admin",
        )

    # --- the guard ------------------------------------------------------------------

    def guarded(self, route: AdminRoute) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            response = await self._guard(route, request)
            response.headers.update(SECURITY_HEADERS)
            return response

        return handler

    async def _guard(self, route: AdminRoute, request: web.Request) -> web.StreamResponse:
        now = self.clock.now()
        token = request.cookies.get(SESSION_COOKIE, "")
        async with self.database.transaction() as session:
            sessions = OfficialSessions(session, self.settings.sessions)
            row = await sessions.find(token, now) if token else None
            official = await session.get(Official, row.official_id) if row else None
            if row is None or official is None:
                if request.method == "GET":
                    return see_other("/admin/login")
                return refused("not signed in")
            access = Access.of(official)
            csrf_token = row.csrf_token
            waits_for_factor = second_factor_required(official) and row.second_factor_at is None
            must_enrol = (
                official.totp_confirmed_at is None
                and second_factor_required(official)
                and row.second_factor_at is None
            )
        if must_enrol and not request.path.startswith(ENROLMENT_PATHS):
            if request.method == "GET":
                return see_other("/admin/account/second-factor")
            return refused("second factor required")
        if waits_for_factor and not must_enrol:
            if request.method == "GET":
                return see_other("/admin/login/second-factor")
            return refused("second factor required")
        context = self.context(request, access, csrf_token)
        if request.method == "POST":
            try:
                form = await read_form(request)
            except FormTooLarge:
                return web.Response(status=413, text="form too large")
            if not hmac.compare_digest(form.get("csrf_token"), csrf_token):
                return context.render("error.html", http_status=403, problem="csrf")
            request[FORM] = form
        if not access.can(route.permission):
            return context.render("error.html", http_status=403, problem="forbidden")
        try:
            return await route.handler(context)
        except AccessDenied as denied:
            if denied.hide:
                return context.render("error.html", http_status=404, problem="not_found")
            return context.render("error.html", http_status=403, problem="forbidden")
        except web.HTTPNotFound:
            return context.render("error.html", http_status=404, problem="not_found")


def posted(context: AdminContext) -> Form:
    """The POSTed form the guard read and checked."""
    form = context.request.get(FORM)
    if not isinstance(form, Form):
        raise web.HTTPBadRequest()
    return form
