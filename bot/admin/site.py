"""The admin web's frame: the guard every page and action passes (session, second factor,
role, CSRF), the security headers, and the routes of the core and of every module."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin import accounts, audit_views, auth, calendar_views, dashboard
from bot.admin.charts import RecentCharts
from bot.admin.context import AdminContext, language_of
from bot.admin.contract import AdminRoute, AdminViews, NavEntry
from bot.admin.forms import FORM, FormTooLarge, read_form
from bot.admin.render import Renderer
from bot.admin.responses import SECURITY_HEADERS, SESSION_COOKIE, see_other, tokens_match
from bot.settings import Settings
from civic.access import Access, AccessDenied, Permission
from civic.clock import Clock
from civic.official_sessions import OfficialSessions, SessionPolicy
from civic.officials import second_factor_required
from handlers.texts import Texts
from storage.db import Database
from storage.official_models import Official, OfficialSession

STATIC = Path(__file__).parent / "static"

# Where a signed-in official without a second factor yet may go (administrators must
# enrol before anything else).
ENROLMENT_PATHS = ("/admin/account/second-factor", "/admin/logout")


@dataclass(frozen=True)
class AdminSettings:
    default_locale: str
    zone: ZoneInfo
    secure_cookies: bool  # VZ_PUBLIC_URL is https://
    sessions: SessionPolicy = field(default_factory=SessionPolicy)
    # The price of one message per messenger (VZ_TELEGRAM_MESSAGE_PRICE,
    # VZ_VIBER_MESSAGE_PRICE) in ``price_currency``, and whether Telegram paid broadcasts
    # are on: the broadcast preview estimates the cost from them.
    message_prices: Mapping[str, float] = field(default_factory=dict)
    price_currency: str = "UAH"
    telegram_paid_broadcast: bool = False


# The settings, for a page that needs more than its context (the broadcast preview's prices).
ADMIN_SETTINGS = web.AppKey("admin_settings", AdminSettings)


def admin_settings(settings: Settings) -> AdminSettings:
    return AdminSettings(
        default_locale=settings.default_locale,
        zone=settings.zone,
        secure_cookies=(settings.public_url or "").startswith("https://"),
        sessions=SessionPolicy(
            idle=timedelta(minutes=settings.admin_session_idle_minutes),
            absolute=timedelta(hours=settings.admin_session_hours),
        ),
        message_prices={
            "telegram": settings.telegram_message_price,
            "viber": settings.viber_message_price,
        },
        price_currency=settings.price_currency,
        telegram_paid_broadcast=settings.telegram_paid_broadcast,
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
        self.charts = RecentCharts()
        core = AdminViews(
            routes=(
                *dashboard.ROUTES,
                *calendar_views.ROUTES,
                *audit_views.ROUTES,
                *accounts.ROUTES,
            ),
            nav=(NavEntry("/admin/", lambda t: t._("Dashboard")),),
        )
        self.views = [core, *module_views]
        self.nav_entries: list[NavEntry] = [
            *core.nav,
            *(entry for views in module_views for entry in views.nav),
            NavEntry("/admin/calendar", lambda t: t._("Calendar")),
            NavEntry("/admin/audit", lambda t: t._("Audit log")),
            NavEntry("/admin/accounts", lambda t: t._("Accounts"), Permission.MANAGE_ACCOUNTS),
        ]
        self.panels = [panel for views in module_views for panel in views.panels]

    def add_routes(self, app: web.Application) -> None:
        app[ADMIN_SETTINGS] = self.settings
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

    def context(
        self,
        request: web.Request,
        access: Access | None,
        csrf_token: str,
        session_key: str | None = None,
    ) -> AdminContext:
        texts = self.texts_for(request)
        nav = [
            (entry.path, entry.label(texts))
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
            session_key=session_key,
            session_policy=self.settings.sessions,
            charts=self.charts,
        )

    def problem_page(
        self, request: web.Request, http_status: int, problem: str, csrf_token: str = ""
    ) -> web.StreamResponse:
        """The localized error page for one who is not (fully) signed in."""
        context = self.context(request, None, csrf_token)
        return context.render("error.html", http_status=http_status, problem=problem)

    async def signed_in(
        self, session: AsyncSession, request: web.Request, now: datetime
    ) -> tuple[OfficialSession, Official] | None:
        """The live session the request's cookie opens, and its account."""
        token = request.cookies.get(SESSION_COOKIE, "")
        if not token:
            return None
        row = await OfficialSessions(session, self.settings.sessions).find(token, now)
        official = await session.get(Official, row.official_id) if row else None
        return None if row is None or official is None else (row, official)

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
        async with self.database.transaction() as session:
            found = await self.signed_in(session, request, self.clock.now())
            if found is None:
                if request.method == "GET":
                    return see_other("/admin/login")
                return self.problem_page(request, 403, "signed_out")
            row, official = found
            access = Access.of(official)
            csrf_token, session_key = row.csrf_token, row.token_hash
            waits_for_factor = second_factor_required(official) and row.second_factor_at is None
            must_enrol = (
                official.totp_confirmed_at is None
                and second_factor_required(official)
                and row.second_factor_at is None
            )
        if must_enrol and not request.path.startswith(ENROLMENT_PATHS):
            if request.method == "GET":
                return see_other("/admin/account/second-factor")
            return self.problem_page(request, 403, "second_factor")
        if waits_for_factor and not must_enrol:
            if request.method == "GET":
                return see_other("/admin/login/second-factor")
            return self.problem_page(request, 403, "second_factor")
        context = self.context(request, access, csrf_token, session_key)
        if request.method == "POST":
            try:
                form = await read_form(request)
            except FormTooLarge:
                return context.render("error.html", http_status=413, problem="too_large")
            if not tokens_match(form.get("csrf_token"), csrf_token):
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
