"""Accounts made and changed by an administrator on the admin web: a new account with a
password shown once, role and authorities, password and second-factor resets, sessions
ended, the last administrator kept, each action audited without secrets."""

from __future__ import annotations

import json
import logging
import re
from http.cookies import BaseCookie

import pytest
from sqlalchemy import func, select

from bot.admin import account_admin
from civic.clock import FixedClock
from storage.db import Database
from storage.official_models import AuditEntry, Official, OfficialRole, RecoveryCode
from tests.admin.conftest import (
    PASSWORD,
    Client,
    SignedIn,
    account_id,
    form_token,
    make_official,
    sign_in,
    sign_in_administrator,
)
from tests.admin.test_access import ESCAPED, MARKUP
from tests.helpers import make_authority

ADMIN = "admin@example.org"
SHOWN = re.compile(r'<code id="password" class="password">([^<]+)</code>')


async def _post(signed_in: SignedIn, path: str, *fields: tuple[str, str]) -> tuple[int, str]:
    """A POST with repeatable fields (several authorities); the status and the page."""
    response = await signed_in.client.post(
        path, data=[("csrf_token", signed_in.csrf), *fields], allow_redirects=False
    )
    return response.status, await response.text()


def _cookies(client: Client) -> BaseCookie[str]:
    return client.session.cookie_jar.filter_cookies(client.make_url("/admin/"))


def _use_cookies(client: Client, cookies: BaseCookie[str]) -> None:
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(cookies, client.make_url("/admin/"))


async def _count(database: Database, model: type[AuditEntry] | type[Official]) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _entries(database: Database, action: str) -> list[AuditEntry]:
    async with database.transaction() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(rows.all())


async def _official(database: Database, email: str) -> Official:
    async with database.transaction() as session:
        official = await session.scalar(select(Official).where(Official.email == email))
        assert official is not None
        return official


async def _signs_in(client: Client, email: str, password: str) -> int:
    """The status of a fresh browser's login with this password (303 when it works)."""
    client.session.cookie_jar.clear()
    token = await form_token(client, "/admin/login")
    response = await client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
    )
    return response.status


async def test_a_new_account_signs_in_with_the_password_shown_once(
    client: Client, database: Database, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """An administrator creates an official bound to an authority; the page shows a
    generated password once, which is stored only as a hash, logged nowhere, and signs
    the new official in."""
    caplog.set_level(logging.DEBUG)
    authority_id = await make_authority(database, clock.now(), name="Вінницька міська рада")
    admin = await sign_in_administrator(client, database, clock)
    form = await (await client.get("/admin/accounts")).text()
    assert 'action="/admin/accounts/new"' in form
    assert "Вінницька міська рада" in form
    status, page = await _post(
        admin,
        "/admin/accounts/new",
        ("email", " Olena@Example.org"),
        ("role", "official"),
        ("authorities", str(authority_id)),
    )
    assert status == 200, page
    match = SHOWN.search(page)
    assert match, page
    password = match.group(1)
    assert len(password) >= 12
    assert "shown only now" in page
    official = await _official(database, "olena@example.org")
    assert official.role is OfficialRole.OFFICIAL
    assert [link.authority_id for link in official.authorities] == [authority_id]
    assert password not in official.password_hash
    assert official.totp_secret is None
    assert password not in caplog.text
    assert await _signs_in(client, "olena@example.org", password) == 303
    assert (await client.get("/admin/requests", allow_redirects=False)).status == 200


async def test_a_taken_email_is_refused_with_the_form_again_and_nothing_written(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A new account for an e-mail that has one answers 409 with the form and what was
    typed; the existing account, the accounts and the audit log are as they were."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    admin = await sign_in_administrator(client, database, clock)
    before = await _official(database, "mod@example.org")
    accounts, entries = await _count(database, Official), await _count(database, AuditEntry)
    status, page = await _post(
        admin, "/admin/accounts/new", ("email", "MOD@example.org"), ("role", "analyst")
    )
    assert status == 409
    assert "An account with this e-mail address already exists." in page
    assert 'value="MOD@example.org"' in page
    assert 'action="/admin/accounts/new"' in page
    assert SHOWN.search(page) is None
    after = await _official(database, "mod@example.org")
    assert (after.role, after.password_hash) == (before.role, before.password_hash)
    assert await _count(database, Official) == accounts
    assert await _count(database, AuditEntry) == entries


async def test_an_official_without_an_authority_is_refused(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """The official role needs an authority, the others none, and the authority must
    exist: each refused with 400 and no account made."""
    authority_id = await make_authority(database, clock.now())
    admin = await sign_in_administrator(client, database, clock)
    accounts = await _count(database, Official)
    cases = [
        ([("role", "official")], "An official needs at least one authority."),
        (
            [("role", "moderator"), ("authorities", str(authority_id))],
            "Only the official role is bound to authorities",
        ),
        ([("role", "official"), ("authorities", "987654")], "does not exist"),
        ([("role", "root")], "Choose one of the roles."),
    ]
    for fields, message in cases:
        status, page = await _post(
            admin, "/admin/accounts/new", ("email", "new@example.org"), *fields
        )
        assert status == 400, fields
        assert message in page, fields
    assert await _count(database, Official) == accounts
    assert await _entries(database, "create_official") == []


async def test_changing_the_role_ends_the_accounts_sessions(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A moderator made an analyst: the moderator's signed-in cookie opens nothing, and
    the audit entry holds the role before and after."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    moderator_id = await account_id(database, "mod@example.org")
    await sign_in(client, "mod@example.org")
    moderator_cookies = _cookies(client)
    client.session.cookie_jar.clear()
    admin = await sign_in_administrator(client, database, clock)
    changed = await admin.post(f"/admin/accounts/{moderator_id}/access", role="analyst")
    assert changed.status == 303
    shown = await (await client.get(changed.headers["Location"])).text()
    assert "The account&#39;s sessions have ended" in shown
    _use_cookies(client, moderator_cookies)
    old = await client.get("/admin/", allow_redirects=False)
    assert old.headers["Location"] == "/admin/login"
    [entry] = await _entries(database, "change_official_access")
    assert entry.official_email == ADMIN
    assert entry.object_id == str(moderator_id)
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["role"], entry.after["role"]) == ("moderator", "analyst")
    assert entry.after["sessions_ended"] is True
    assert (await _official(database, "mod@example.org")).role is OfficialRole.ANALYST


async def test_an_added_authority_keeps_the_sessions_and_a_removed_one_ends_them(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Rights that grow leave the official signed in; taking an authority away ends the
    official's sessions."""
    first = await make_authority(database, clock.now(), name="Перша рада")
    second = await make_authority(database, clock.now(), name="Друга рада")
    await make_official(database, clock, "off@example.org", OfficialRole.OFFICIAL, (first,))
    official_id = await account_id(database, "off@example.org")
    await sign_in(client, "off@example.org")
    official_cookies = _cookies(client)
    client.session.cookie_jar.clear()
    admin = await sign_in_administrator(client, database, clock)
    path = f"/admin/accounts/{official_id}/access"
    both = [("role", "official"), ("authorities", str(first)), ("authorities", str(second))]
    assert (await _post(admin, path, *both))[0] == 303
    admin_cookies = _cookies(client)
    _use_cookies(client, official_cookies)
    assert (await client.get("/admin/", allow_redirects=False)).status == 200
    _use_cookies(client, admin_cookies)
    assert (await _post(admin, path, ("role", "official"), ("authorities", str(second))))[0] == 303
    _use_cookies(client, official_cookies)
    assert (await client.get("/admin/", allow_redirects=False)).status == 303
    official = await _official(database, "off@example.org")
    assert [link.authority_id for link in official.authorities] == [second]


async def test_resetting_the_password(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """After a reset the old password fails, the one shown works, and the account's
    sessions have ended."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    moderator_id = await account_id(database, "mod@example.org")
    await sign_in(client, "mod@example.org")
    moderator_cookies = _cookies(client)
    client.session.cookie_jar.clear()
    admin = await sign_in_administrator(client, database, clock)
    status, page = await _post(admin, f"/admin/accounts/{moderator_id}/password")
    assert status == 200
    match = SHOWN.search(page)
    assert match, page
    _use_cookies(client, moderator_cookies)
    assert (await client.get("/admin/", allow_redirects=False)).status == 303
    assert await _signs_in(client, "mod@example.org", PASSWORD) == 401
    assert await _signs_in(client, "mod@example.org", match.group(1)) == 303
    assert (await client.get("/admin/", allow_redirects=False)).status == 200


async def test_resetting_the_second_factor(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A reset clears the secret and the recovery codes: a moderator then signs in with
    the password alone, another administrator is sent to set the factor up again."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR, totp=True)
    await make_official(database, clock, "other@example.org", OfficialRole.ADMINISTRATOR, totp=True)
    admin = await sign_in_administrator(client, database, clock)
    for email in ("mod@example.org", "other@example.org"):
        target = await account_id(database, email)
        status, _page = await _post(admin, f"/admin/accounts/{target}/second-factor/reset")
        assert status == 303
        official = await _official(database, email)
        assert official.totp_secret is None
        assert official.totp_confirmed_at is None
        async with database.transaction() as session:
            codes = await session.scalar(
                select(func.count())
                .select_from(RecoveryCode)
                .where(RecoveryCode.official_id == target)
            )
        assert codes == 0
    assert await _signs_in(client, "mod@example.org", PASSWORD) == 303
    assert (await client.get("/admin/", allow_redirects=False)).status == 200
    assert await _signs_in(client, "other@example.org", PASSWORD) == 303
    enrol = await client.get("/admin/", allow_redirects=False)
    assert enrol.headers["Location"] == "/admin/account/second-factor"
    entries = await _entries(database, "reset_official_second_factor")
    assert [(e.before or {}).get("totp") for e in entries] == [True, True]
    assert [(e.after or {}).get("totp") for e in entries] == [False, False]


async def test_the_last_administrator_cannot_be_demoted(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """The only administrator cannot take another role (409, nothing changed); once a
    second administrator exists, the first may, and is signed out."""
    admin = await sign_in_administrator(client, database, clock)
    admin_id = await account_id(database, ADMIN)
    path = f"/admin/accounts/{admin_id}/access"
    status, page = await _post(admin, path, ("role", "moderator"))
    assert status == 409
    assert "This is the only administrator." in page
    assert (await _official(database, ADMIN)).role is OfficialRole.ADMINISTRATOR
    assert await _entries(database, "change_official_access") == []
    await make_official(database, clock, "second@example.org", OfficialRole.ADMINISTRATOR)
    status, _page = await _post(admin, path, ("role", "moderator"))
    assert status == 303
    assert (await _official(database, ADMIN)).role is OfficialRole.MODERATOR
    assert (await client.get("/admin/", allow_redirects=False)).status == 303


async def test_an_administrator_does_not_reset_their_own_account(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """One's own password and second factor are changed on one's own page (knowing the
    current password), not reset: both answer 409 and change nothing."""
    admin = await sign_in_administrator(client, database, clock)
    admin_id = await account_id(database, ADMIN)
    before = await _official(database, ADMIN)
    for action in ("password", "second-factor/reset"):
        status, page = await _post(admin, f"/admin/accounts/{admin_id}/{action}")
        assert status == 409, action
        assert SHOWN.search(page) is None
        assert "on your own account page" in page
    after = await _official(database, ADMIN)
    assert (after.password_hash, after.totp_secret) == (before.password_hash, before.totp_secret)
    assert (await client.get("/admin/", allow_redirects=False)).status == 200


async def test_ending_all_sessions_of_an_account(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """End all sessions: the account's cookie opens nothing; its page lists none."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    moderator_id = await account_id(database, "mod@example.org")
    await sign_in(client, "mod@example.org")
    moderator_cookies = _cookies(client)
    client.session.cookie_jar.clear()
    admin = await sign_in_administrator(client, database, clock)
    listed = await (await client.get(f"/admin/accounts/{moderator_id}")).text()
    assert "End this session" in listed
    status, _page = await _post(admin, f"/admin/accounts/{moderator_id}/sessions/end-all")
    assert status == 303
    page = await (await client.get(f"/admin/accounts/{moderator_id}")).text()
    assert "No live sessions." in page
    _use_cookies(client, moderator_cookies)
    assert (await client.get("/admin/", allow_redirects=False)).status == 303
    [entry] = await _entries(database, "end_official_sessions")
    assert (entry.before or {}).get("live_sessions") == 1
    assert (entry.after or {}).get("live_sessions") == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [(route.method, route.path) for route in account_admin.ROUTES],
    ids=[f"{route.method} {route.path}" for route in account_admin.ROUTES],
)
async def test_a_moderator_gets_403_on_every_account_page_and_action(
    client: Client, database: Database, clock: FixedClock, method: str, path: str
) -> None:
    """Only administrators manage accounts: a moderator's GET and POST (with a good
    token) answer 403 and write nothing."""
    await make_official(database, clock, "admin@example.org", OfficialRole.ADMINISTRATOR)
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    admin_id = await account_id(database, ADMIN)
    moderator = await sign_in(client, "mod@example.org")
    url = "/admin" + path.replace("{id}", str(admin_id))
    if method == "GET":
        response = await client.get(url, allow_redirects=False)
        assert response.status == 403
        return
    accounts, entries = await _count(database, Official), await _count(database, AuditEntry)
    status, _page = await _post(
        moderator, url, ("email", "x@example.org"), ("role", "moderator"), ("session", "x")
    )
    assert status == 403
    assert await _count(database, Official) == accounts
    assert await _count(database, AuditEntry) == entries
    assert (await _official(database, ADMIN)).role is OfficialRole.ADMINISTRATOR


async def test_an_unknown_account_is_not_found(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """An account id in a URL is untrusted: an unknown or unreadable one answers 404."""
    admin = await sign_in_administrator(client, database, clock)
    for path in ("/admin/accounts/987654", "/admin/accounts/x1"):
        assert (await client.get(path, allow_redirects=False)).status == 404
    for action in ("access", "password", "second-factor/reset", "sessions/end-all"):
        status, _page = await _post(admin, f"/admin/accounts/987654/{action}", ("role", "analyst"))
        assert status == 404, action


async def test_audit_entries_have_before_and_after_and_no_secret(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Creating, resetting the password and the second factor each leave one entry with
    the account's role, authorities and second factor, and never a password, hash,
    secret or code."""
    admin = await sign_in_administrator(client, database, clock)
    status, page = await _post(
        admin, "/admin/accounts/new", ("email", "an@example.org"), ("role", "analyst")
    )
    assert status == 200
    match = SHOWN.search(page)
    assert match
    created = match.group(1)
    analyst_id = await account_id(database, "an@example.org")
    status, page = await _post(admin, f"/admin/accounts/{analyst_id}/password")
    match = SHOWN.search(page)
    assert match
    reset = match.group(1)
    assert reset != created
    status, _page = await _post(admin, f"/admin/accounts/{analyst_id}/second-factor/reset")
    assert status == 303
    official = await _official(database, "an@example.org")
    [made] = await _entries(database, "create_official")
    assert made.before is None
    assert made.after == {
        "email": "an@example.org",
        "role": "analyst",
        "authorities": [],
        "totp": False,
    }
    [password_entry] = await _entries(database, "reset_official_password")
    assert password_entry.before is not None
    assert password_entry.after is not None
    assert password_entry.before["role"] == password_entry.after["role"] == "analyst"
    assert password_entry.after["sessions_ended"] is True
    async with database.transaction() as session:
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    mine = [e.action for e in entries if e.object_id == str(analyst_id)]
    assert mine == ["create_official", "reset_official_password", "reset_official_second_factor"]
    written = json.dumps([(e.before, e.after, e.summary) for e in entries])
    for secret in (created, reset, official.password_hash, PASSWORD):
        assert secret not in written
    assert "password_hash" not in written


async def test_an_email_with_markup_is_shown_escaped(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """An e-mail full of markup appears as text on the list, on its account page and in
    the form shown again after a refusal."""
    email = f"{MARKUP}@example.org"
    await make_official(database, clock, email, OfficialRole.ANALYST)
    target = await account_id(database, email)
    admin = await sign_in_administrator(client, database, clock)
    for path in ("/admin/accounts", f"/admin/accounts/{target}"):
        html = await (await client.get(path)).text()
        assert "<script>" not in html, path
        assert ESCAPED in html, path
    status, html = await _post(
        admin, "/admin/accounts/new", ("email", f"{MARKUP} x@example.org"), ("role", "analyst")
    )
    assert status == 400
    assert "That is not an e-mail address." in html
    assert "<script>" not in html
    assert ESCAPED in html
