"""Signing in and out of the admin web: cookies, wrong passwords, the throttle, the
second factor with its recovery codes, and sessions ended on the server."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy import func, select

from civic.clock import FixedClock
from storage.db import Database
from storage.official_models import AuditEntry, OfficialRole
from tests.admin.conftest import PASSWORD, Client, form_token, make_official, sign_in


async def test_good_credentials_give_an_httponly_strict_cookie(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """POST /admin/login with the right password answers 303 with an HttpOnly,
    SameSite=Strict session cookie; the dashboard then opens."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    token = await form_token(client, "/admin/login")
    response = await client.post(
        "/admin/login",
        data={"email": "MOD@example.org ", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status == 303
    cookie = response.headers["Set-Cookie"]
    assert "vz_admin_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    dashboard = await client.get("/admin/", allow_redirects=False)
    assert dashboard.status == 200


async def test_a_wrong_password_gives_the_form_again_and_no_session(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A wrong password answers 401 with the form and sets no session cookie."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    token = await form_token(client, "/admin/login")
    response = await client.post(
        "/admin/login",
        data={"email": "mod@example.org", "password": "wrong" * 4, "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status == 401
    assert "vz_admin_session" not in response.headers.get("Set-Cookie", "")
    assert 'name="password"' in await response.text()


async def test_login_without_its_csrf_token_is_refused(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """The login form's token must come back; without it, no session."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    response = await client.post(
        "/admin/login",
        data={"email": "mod@example.org", "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status == 403
    assert "vz_admin_session" not in response.headers.get("Set-Cookie", "")


async def test_the_throttle_engages_and_says_when_to_try_again(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """After five wrong passwords the account is locked: even the right password is
    refused with 429 and a time to try again; after the lock, it works."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    token = await form_token(client, "/admin/login")
    for _ in range(6):
        await client.post(
            "/admin/login",
            data={"email": "mod@example.org", "password": "wrong" * 4, "csrf_token": token},
            allow_redirects=False,
        )
    locked = await client.post(
        "/admin/login",
        data={"email": "mod@example.org", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert locked.status == 429
    assert "Try again after" in await locked.text()
    clock.at += timedelta(hours=1, minutes=1)
    await sign_in(client, "mod@example.org")


async def test_logout_ends_the_session_on_the_server(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """After POST /admin/logout the old cookie opens nothing."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    signed_in = await sign_in(client, "mod@example.org")
    old_cookie = client.session.cookie_jar.filter_cookies(client.make_url("/admin/"))
    out = await signed_in.post("/admin/logout")
    assert out.status == 303
    client.session.cookie_jar.update_cookies(old_cookie, client.make_url("/admin/"))
    again = await client.get("/admin/", allow_redirects=False)
    assert again.status == 303
    assert again.headers["Location"] == "/admin/login"


async def test_sessions_expire_after_inactivity(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Thirty idle minutes end a session."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    await sign_in(client, "mod@example.org")
    clock.at += timedelta(minutes=31)
    response = await client.get("/admin/", allow_redirects=False)
    assert response.status == 303


async def test_an_administrator_gives_the_second_factor_and_a_code_works_once(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """An administrator's password opens only the second-factor form; a current code
    opens the dashboard; the same code cannot open a second session; a recovery code
    can, once."""
    secret = await make_official(
        database, clock, "admin@example.org", OfficialRole.ADMINISTRATOR, totp=True
    )
    assert secret is not None
    clock.at += timedelta(seconds=30)
    await sign_in(client, "admin@example.org")
    blocked = await client.get("/admin/", allow_redirects=False)
    assert blocked.headers["Location"] == "/admin/login/second-factor"
    token = await form_token(client, "/admin/login/second-factor")
    code = pyotp.TOTP(secret).at(clock.now())
    given = await client.post(
        "/admin/login/second-factor",
        data={"code": code, "csrf_token": token},
        allow_redirects=False,
    )
    assert given.status == 303
    assert (await client.get("/admin/", allow_redirects=False)).status == 200
    # A second browser replays the same code: refused.
    client.session.cookie_jar.clear()
    await sign_in(client, "admin@example.org")
    token = await form_token(client, "/admin/login/second-factor")
    replay = await client.post(
        "/admin/login/second-factor",
        data={"code": code, "csrf_token": token},
        allow_redirects=False,
    )
    assert replay.status == 401
    async with database.transaction() as session:
        entries = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "second_factor")
        )
    assert entries == 1
