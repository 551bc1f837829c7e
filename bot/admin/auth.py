"""Signing in and out: the password form, the second factor, logout, the language.

The login form has no session yet, so its CSRF token is the double-submit kind: a random
value in a SameSite=Strict cookie that the form must repeat.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.admin.context import LANGUAGE_COOKIE, LANGUAGES
from bot.admin.responses import SESSION_COOKIE, secured, see_other, tokens_match
from civic.access import Access
from civic.audit import Actor, record
from civic.official_sessions import LoginThrottleRules, OfficialSessions, throttle_keys
from civic.officials import Officials, second_factor_required, verify_password

if TYPE_CHECKING:
    from bot.admin.site import AdminSite

LOGIN_COOKIE = "vz_admin_login"


@dataclass(frozen=True)
class PlainRoute:
    method: str
    path: str
    handler: Handler


def routes(site: AdminSite) -> list[PlainRoute]:
    pages = SignIn(site)
    return [
        PlainRoute("GET", "/admin/login", pages.login_form),
        PlainRoute("POST", "/admin/login", pages.login),
        PlainRoute("GET", "/admin/login/second-factor", pages.factor_form),
        PlainRoute("POST", "/admin/login/second-factor", pages.factor),
        PlainRoute("POST", "/admin/logout", pages.logout),
        PlainRoute("POST", "/admin/language", pages.language),
    ]


class SignIn:
    def __init__(self, site: AdminSite) -> None:
        self.site = site

    def _login_page(
        self,
        request: web.Request,
        *,
        status: int = 200,
        problem: str | None = None,
        locked_until: object = None,
        email: str = "",
    ) -> web.StreamResponse:
        token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
        context = self.site.context(request, None, token)
        response = context.render(
            "login.html",
            http_status=status,
            problem=problem,
            locked_until=locked_until,
            email=email,
        )
        response.set_cookie(
            LOGIN_COOKIE,
            token,
            httponly=True,
            samesite="Strict",
            path="/admin",
            secure=self.site.settings.secure_cookies,
        )
        return secured(response)

    async def login_form(self, request: web.Request) -> web.StreamResponse:
        return self._login_page(request)

    async def login(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        if not tokens_match(str(form.get("csrf_token", "")), request.cookies.get(LOGIN_COOKIE, "")):
            return self._login_page(request, status=403, problem="csrf")
        email = str(form.get("email", ""))[:254]
        password = str(form.get("password", ""))[:400]
        address = request.remote or "unknown"
        now = self.site.clock.now()
        keys = throttle_keys(email, address)
        async with self.site.database.transaction() as session:
            throttle = LoginThrottleRules(session)
            locked_until = await throttle.locked_until(keys, now)
            if locked_until is not None:
                return self._login_page(
                    request, status=429, problem="locked", locked_until=locked_until, email=email
                )
            official = await Officials(session).by_email(email)
            if official is None or not verify_password(official, password):
                await throttle.failed(keys, now)
                failed = True
            else:
                failed = False
                await throttle.succeeded(keys[0])
                opened = await OfficialSessions(session, self.site.settings.sessions).open(
                    official,
                    address=address,
                    user_agent=request.headers.get("User-Agent", ""),
                    second_factor_done=not second_factor_required(official),
                    now=now,
                )
                record(
                    session,
                    Actor(Access.of(official), address),
                    action="sign_in",
                    object_type="official",
                    object_id=official.id,
                    now=now,
                    summary=official.email,
                )
        if failed:
            return self._login_page(request, status=401, problem="bad_credentials", email=email)
        response = see_other("/admin/")
        self.site.set_session_cookie(response, opened.token)
        response.del_cookie(LOGIN_COOKIE, path="/admin")
        return secured(response)

    async def factor_form(self, request: web.Request) -> web.StreamResponse:
        async with self.site.database.transaction() as session:
            found = await self.site.signed_in(session, request, self.site.clock.now())
            enrolled = found is not None and found[1].totp_confirmed_at is not None
            csrf_token = found[0].csrf_token if found else ""
        if not enrolled:
            return secured(see_other("/admin/login"))
        context = self.site.context(request, None, csrf_token)
        return secured(context.render("second_factor.html", problem=None))

    async def factor(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        now = self.site.clock.now()
        address = request.remote or "unknown"
        async with self.site.database.transaction() as session:
            found = await self.site.signed_in(session, request, now)
            if found is None:
                return secured(self.site.problem_page(request, 403, "signed_out"))
            row, official = found
            if not tokens_match(str(form.get("csrf_token", "")), row.csrf_token):
                return secured(self.site.problem_page(request, 403, "csrf"))
            keys = throttle_keys(official.email, address)
            throttle = LoginThrottleRules(session)
            locked_until = await throttle.locked_until(keys, now)
            matched = locked_until is None and await Officials(session).second_factor_matches(
                official, str(form.get("code", ""))[:40], now
            )
            if matched:
                await OfficialSessions(session).second_factor_given(row, now)
                record(
                    session,
                    Actor(Access.of(official), address),
                    action="second_factor",
                    object_type="official",
                    object_id=official.id,
                    now=now,
                    summary=official.email,
                )
            elif locked_until is None:
                await throttle.failed(keys, now)
            csrf_token = row.csrf_token
        if matched:
            return secured(see_other("/admin/"))
        context = self.site.context(request, None, csrf_token)
        problem = "locked" if locked_until else "wrong_code"
        status = 429 if locked_until else 401
        return secured(
            context.render(
                "second_factor.html", http_status=status, problem=problem, locked_until=locked_until
            )
        )

    async def logout(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        now = self.site.clock.now()
        async with self.site.database.transaction() as session:
            found = await self.site.signed_in(session, request, now)
            if found is None:
                return secured(self.site.problem_page(request, 403, "signed_out"))
            row, _official = found
            if not tokens_match(str(form.get("csrf_token", "")), row.csrf_token):
                return secured(self.site.problem_page(request, 403, "csrf"))
            await OfficialSessions(session).revoke(row, now)
        response = see_other("/admin/login")
        response.del_cookie(SESSION_COOKIE, path="/admin")
        return secured(response)

    async def language(self, request: web.Request) -> web.StreamResponse:
        """The interface language is a cookie (no server state changes)."""
        form = await request.post()
        given = str(form.get("csrf_token", ""))
        async with self.site.database.transaction() as session:
            found = await self.site.signed_in(session, request, self.site.clock.now())
        issued = [request.cookies.get(LOGIN_COOKIE, ""), found[0].csrf_token if found else ""]
        if not any(tokens_match(given, token) for token in issued):
            return secured(self.site.problem_page(request, 403, "csrf"))
        chosen = str(form.get("language", ""))
        back = str(form.get("back", "/admin/"))
        if not back.startswith("/admin") or back.startswith("//"):
            back = "/admin/"
        response = see_other(back)
        if chosen in LANGUAGES:
            response.set_cookie(
                LANGUAGE_COOKIE,
                chosen,
                httponly=True,
                samesite="Strict",
                path="/admin",
                max_age=365 * 24 * 3600,
                secure=self.site.settings.secure_cookies,
            )
        return secured(response)
