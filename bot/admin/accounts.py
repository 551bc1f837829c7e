"""Accounts: my own (password, second factor) here; everyone's, for the administrator,
in ``bot.admin.account_admin`` (its routes are part of ``ROUTES``)."""

from __future__ import annotations

import io

import segno
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin import account_admin
from bot.admin.context import AdminContext
from bot.admin.contract import AdminRoute
from bot.admin.forms import posted
from bot.admin.responses import see_other
from civic.access import Access
from civic.official_sessions import OfficialSessions
from civic.officials import OfficialError, Officials, enrolment_of
from storage.official_models import Official, OfficialSession


async def _me(session: AsyncSession, access: Access) -> Official:
    """The signed-in official's own account (the guard found it a moment ago)."""
    official = await session.get(Official, access.official_id)
    if official is None:
        raise web.HTTPNotFound()
    return official


async def my_account(context: AdminContext) -> web.StreamResponse:
    access = context.official
    async with context.database.transaction() as session:
        official = await _me(session, access)
        codes_left = await Officials(session).recovery_codes_left(official)
        enrolled = official.totp_confirmed_at is not None
    return context.render("account.html", enrolled=enrolled, codes_left=codes_left, problem=None)


async def change_password(context: AdminContext) -> web.StreamResponse:
    form = posted(context.request)
    access = context.official
    async with context.database.transaction() as session:
        official = await _me(session, access)
        try:
            await Officials(session).change_password(
                official, form.get("current"), form.get("new"), context.now
            )
        except OfficialError as error:
            problem: str | None = error.code
        else:
            problem = None
            context.audit(
                session,
                action="change_password",
                object_type="official",
                object_id=official.id,
            )
    if problem is None:
        # Every session ended with the change, this one too: sign in with the new password.
        return see_other("/admin/login")
    return context.render(
        "account.html", http_status=400, enrolled=None, codes_left=None, problem=problem
    )


def _qr_svg(uri: str) -> str:
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


async def enrol_intro(context: AdminContext) -> web.StreamResponse:
    """What a second factor is, and the button that starts setting one up (a GET changes
    nothing, so the secret is made by the POST)."""
    return context.render("enrol.html", uri=None, secret=None, qr=None, problem=None, codes=None)


async def enrol_start(context: AdminContext) -> web.StreamResponse:
    access = context.official
    async with context.database.transaction() as session:
        official = await _me(session, access)
        enrolment = Officials(session).start_enrolment(official)
    return context.render(
        "enrol.html",
        uri=enrolment.uri,
        secret=enrolment.secret,
        qr=_qr_svg(enrolment.uri),
        problem=None,
        codes=None,
    )


async def enrol(context: AdminContext) -> web.StreamResponse:
    form = posted(context.request)
    access = context.official
    async with context.database.transaction() as session:
        official = await _me(session, access)
        try:
            codes = await Officials(session).confirm_enrolment(
                official, form.get("code"), context.now
            )
        except OfficialError:
            codes = None
        else:
            # This browser has just given the factor: its session needs no second ask.
            row = await session.get(OfficialSession, context.session_key)
            if row is not None:
                await OfficialSessions(session).second_factor_given(row, context.now)
            context.audit(
                session,
                action="enrol_second_factor",
                object_type="official",
                object_id=official.id,
            )
        pending = enrolment_of(official)
    if codes is None:
        return context.render(
            "enrol.html",
            http_status=400,
            uri=pending.uri,
            secret=pending.secret,
            qr=_qr_svg(pending.uri),
            problem="wrong_code",
            codes=None,
        )
    return context.render("enrol.html", uri=None, secret=None, qr=None, problem=None, codes=codes)


ROUTES = (
    AdminRoute("GET", "/account", my_account),
    AdminRoute("POST", "/account/password", change_password),
    AdminRoute("GET", "/account/second-factor", enrol_intro),
    AdminRoute("POST", "/account/second-factor/start", enrol_start),
    AdminRoute("POST", "/account/second-factor", enrol),
    *account_admin.ROUTES,
)
