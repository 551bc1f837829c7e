"""Everyone's accounts, for the administrator: the list with the live sessions, a new
account, one account's page, and the actions on it (role and authorities, a password or
second factor reset, its sessions ended).

A generated password is shown once, on the page that answers the POST (sent with
``Cache-Control: no-store`` like every admin page); only its hash is kept, and it is
never logged nor put in the audit entry. An account id in a URL is untrusted: an unknown
one is "not found".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin.context import AdminContext
from bot.admin.contract import AdminRoute
from bot.admin.forms import Form, posted
from bot.admin.responses import see_other
from civic.access import Permission
from civic.official_sessions import OfficialSessions
from civic.officials import (
    OfficialError,
    Officials,
    generated_password,
    revoke_all,
    snapshot,
)
from handlers.texts import Texts
from storage.models import Authority
from storage.official_models import Official, OfficialRole

# A form naming more authorities than this is not read further.
MAX_CHOSEN = 2000
# Refusals that say the account's state does not allow the change (409), not the form.
CONFLICTS = ("email_taken", "last_administrator", "own_account")
# What ``?done=`` on an account page may say.
DONE = ("access", "access_signed_out", "second_factor", "sessions")


def role_labels(texts: Texts) -> list[tuple[str, str]]:
    """The roles in the order the forms offer them, with their names."""
    return [
        (OfficialRole.ADMINISTRATOR.value, texts._("Administrator")),
        (OfficialRole.MODERATOR.value, texts._("Moderator")),
        (OfficialRole.OFFICIAL.value, texts._("Official")),
        (OfficialRole.ANALYST.value, texts._("Analyst")),
    ]


async def _authorities(session: AsyncSession, texts: Texts) -> list[tuple[int, str]]:
    """Every authority (id, name in the official's language), sorted by that name."""
    name = Authority.name_en if texts.locale == "en" else Authority.name_uk
    rows = await session.execute(select(Authority.id, name).order_by(name, Authority.id))
    return [(authority_id, authority_name) for authority_id, authority_name in rows.all()]


def _chosen(form: Form) -> tuple[OfficialRole, list[int]]:
    """The role and authorities a form names; anything unreadable is refused."""
    raw_role = form.get("role")
    if raw_role not in {role.value for role in OfficialRole}:
        raise OfficialError("bad_role")
    ids: list[int] = []
    for raw in form.all("authorities")[:MAX_CHOSEN]:
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
            raise OfficialError("unknown_authority")
        ids.append(int(raw))
    return OfficialRole(raw_role), ids


def _status(problem: str) -> int:
    return 409 if problem in CONFLICTS else 400


# --- the list and a new account -------------------------------------------------------


async def accounts(
    context: AdminContext,
    *,
    http_status: int = 200,
    problem: str | None = None,
    values: dict[str, Any] | None = None,
) -> web.StreamResponse:
    async with context.database.transaction() as session:
        officials = await Officials(session).all()
        live = await OfficialSessions(session, context.session_policy).live(context.now)
        authorities = await _authorities(session, context.texts)
    return context.render(
        "accounts.html",
        http_status=http_status,
        officials=officials,
        live=live,
        emails={official.id: official.email for official in officials},
        authorities=authorities,
        authority_names=dict(authorities),
        roles=role_labels(context.texts),
        problem=problem,
        values=values or {"email": "", "role": "", "authorities": []},
    )


async def accounts_view(context: AdminContext) -> web.StreamResponse:
    return await accounts(context)


async def create(context: AdminContext) -> web.StreamResponse:
    form = posted(context.request)
    email = form.get("email")[:300]
    try:
        role, authority_ids = _chosen(form)
        password = generated_password()
        async with context.database.transaction() as session:
            official = await Officials(session).create(
                email, role, authority_ids, password, context.now
            )
            context.audit(
                session,
                action="create_official",
                object_type="official",
                object_id=official.id,
                after=snapshot(official),
            )
            shown = (official.id, official.email, official.role.value)
    except OfficialError as error:
        problem = error.code.partition(":")[0]
        values = {"email": email, "role": form.get("role"), "authorities": form.all("authorities")}
        return await accounts(context, http_status=_status(problem), problem=problem, values=values)
    official_id, email, role_value = shown
    return context.render(
        "account_password.html",
        official_id=official_id,
        email=email,
        role=role_value,
        password=password,
        created=True,
    )


# --- one account ----------------------------------------------------------------------


async def _load(session: AsyncSession, context: AdminContext) -> Official:
    official = await session.get(Official, context.int_param("id"))
    if official is None:
        raise web.HTTPNotFound()
    return official


async def account_page(
    context: AdminContext, *, http_status: int = 200, problem: str | None = None
) -> web.StreamResponse:
    async with context.database.transaction() as session:
        official = await _load(session, context)
        sessions = await OfficialSessions(session, context.session_policy).live(
            context.now, official.id
        )
        codes_left = await Officials(session).recovery_codes_left(official)
        authorities = await _authorities(session, context.texts)
    done = context.request.query.get("done", "")
    return context.render(
        "account_admin.html",
        http_status=http_status,
        official=official,
        sessions=sessions,
        codes_left=codes_left,
        authorities=authorities,
        authority_names=dict(authorities),
        roles=role_labels(context.texts),
        own=official.id == context.official.official_id,
        problem=problem,
        done=done if done in DONE else None,
        values={
            "role": official.role.value,
            "authorities": [str(link.authority_id) for link in official.authorities],
        },
    )


async def account_view(context: AdminContext) -> web.StreamResponse:
    return await account_page(context)


async def change_access(context: AdminContext) -> web.StreamResponse:
    form = posted(context.request)
    try:
        role, authority_ids = _chosen(form)
        async with context.database.transaction() as session:
            official = await _load(session, context)
            before = snapshot(official)
            signed_out = await Officials(session).change_access(
                official, role, authority_ids, context.now
            )
            context.audit(
                session,
                action="change_official_access",
                object_type="official",
                object_id=official.id,
                before=before,
                after={**snapshot(official), "sessions_ended": signed_out},
            )
            official_id = official.id
    except OfficialError as error:
        problem = error.code.partition(":")[0]
        return await account_page(context, http_status=_status(problem), problem=problem)
    done = "access_signed_out" if signed_out else "access"
    return see_other(f"/admin/accounts/{official_id}?done={done}")


async def reset_password(context: AdminContext) -> web.StreamResponse:
    try:
        async with context.database.transaction() as session:
            official = await _load(session, context)
            before = {**snapshot(official), "password_changed_at": official.password_changed_at}
            password = await Officials(session).reset_password(
                official, context.now, by=context.official.official_id
            )
            context.audit(
                session,
                action="reset_official_password",
                object_type="official",
                object_id=official.id,
                before=before,
                after={
                    **snapshot(official),
                    "password_changed_at": official.password_changed_at,
                    "sessions_ended": True,
                },
            )
            shown = (official.id, official.email, official.role.value)
    except OfficialError as error:
        return await account_page(context, http_status=_status(error.code), problem=error.code)
    official_id, email, role_value = shown
    return context.render(
        "account_password.html",
        official_id=official_id,
        email=email,
        role=role_value,
        password=password,
        created=False,
    )


async def reset_second_factor(context: AdminContext) -> web.StreamResponse:
    try:
        async with context.database.transaction() as session:
            official = await _load(session, context)
            before = snapshot(official)
            await Officials(session).reset_second_factor(
                official, context.now, by=context.official.official_id
            )
            context.audit(
                session,
                action="reset_official_second_factor",
                object_type="official",
                object_id=official.id,
                before=before,
                after={**snapshot(official), "sessions_ended": True},
            )
            official_id = official.id
    except OfficialError as error:
        return await account_page(context, http_status=_status(error.code), problem=error.code)
    return see_other(f"/admin/accounts/{official_id}?done=second_factor")


async def end_all_sessions(context: AdminContext) -> web.StreamResponse:
    async with context.database.transaction() as session:
        official = await _load(session, context)
        sessions = OfficialSessions(session, context.session_policy)
        live = len(await sessions.live(context.now, official.id))
        await revoke_all(session, official.id, context.now)
        context.audit(
            session,
            action="end_official_sessions",
            object_type="official",
            object_id=official.id,
            before={**snapshot(official), "live_sessions": live},
            after={**snapshot(official), "live_sessions": 0},
        )
        official_id = official.id
    return see_other(f"/admin/accounts/{official_id}?done=sessions")


async def end_session(context: AdminContext) -> web.StreamResponse:
    """One session, from the list or from its account's page (``back=account``)."""
    form = posted(context.request)
    async with context.database.transaction() as session:
        row = await OfficialSessions(session).revoke_by_id(form.get("session")[:64], context.now)
        if row is None:
            raise web.HTTPNotFound()
        context.audit(
            session,
            action="end_session",
            object_type="official",
            object_id=row.official_id,
            after={"revoked_at": context.now},
        )
        official_id = row.official_id
    if form.get("back") == "account":
        return see_other(f"/admin/accounts/{official_id}")
    return see_other("/admin/accounts")


MANAGE = Permission.MANAGE_ACCOUNTS

ROUTES: Sequence[AdminRoute] = (
    AdminRoute("GET", "/accounts", accounts_view, MANAGE),
    AdminRoute("POST", "/accounts/new", create, MANAGE),
    AdminRoute("POST", "/accounts/sessions/end", end_session, MANAGE),
    AdminRoute("GET", "/accounts/{id}", account_view, MANAGE),
    AdminRoute("POST", "/accounts/{id}/access", change_access, MANAGE),
    AdminRoute("POST", "/accounts/{id}/password", reset_password, MANAGE),
    AdminRoute("POST", "/accounts/{id}/second-factor/reset", reset_second_factor, MANAGE),
    AdminRoute("POST", "/accounts/{id}/sessions/end-all", end_all_sessions, MANAGE),
)
