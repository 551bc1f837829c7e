"""The admin web on the shared test database, with officials made through the civic rules
and a browser-like client that keeps cookies and reads CSRF tokens from the forms."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.admin.site import AdminSettings, AdminSite
from bot.modules import product_modules
from bot.web.server import create_app
from civic.clock import FixedClock
from civic.information_requests import InformationRequests, RequestDraft
from civic.officials import Officials
from storage.db import Database
from storage.models import Citizen
from storage.official_models import Official, OfficialRole

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(database: Database, clock: FixedClock) -> AsyncIterator[Client]:
    """The whole application with the admin web, on a loopback port."""
    modules = product_modules()
    site = AdminSite(
        database,
        clock,
        AdminSettings(default_locale="en", zone=ZoneInfo("Europe/Kyiv"), secure_cookies=False),
        modules.admin_views,
    )
    app = create_app(database, clock, modules=modules, admin=site)
    test_client: Client = TestClient(TestServer(app, host="127.0.0.1"))
    await test_client.start_server()
    try:
        yield test_client
    finally:
        await test_client.close()


async def make_official(
    database: Database,
    clock: FixedClock,
    email: str,
    role: OfficialRole,
    authorities: tuple[int, ...] = (),
    *,
    totp: bool = False,
) -> str | None:
    """An account; with ``totp`` its second factor is on, and its secret is returned."""
    async with database.transaction() as session:
        officials = Officials(session)
        official, _ = await officials.put(email, role, authorities, PASSWORD, clock.now())
        if not totp:
            return None
        enrolment = officials.start_enrolment(official)
        code = pyotp.TOTP(enrolment.secret).at(clock.now())
        await officials.confirm_enrolment(official, code, clock.now())
        # The confirming code is used up; tests sign in with the next step's code.
        return enrolment.secret


@dataclass
class SignedIn:
    client: Client
    csrf: str

    async def post(self, path: str, **fields: str) -> web.Response:
        response = await self.client.post(
            path, data={"csrf_token": self.csrf, **fields}, allow_redirects=False
        )
        return response  # type: ignore[return-value]


async def form_token(client: Client, path: str) -> str:
    response = await client.get(path)
    match = CSRF.search(await response.text())
    assert match, f"no csrf_token on {path}"
    return match.group(1)


async def sign_in(client: Client, email: str, password: str = PASSWORD) -> SignedIn:
    token = await form_token(client, "/admin/login")
    response = await client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    return SignedIn(client, await form_token(client, "/admin/"))


async def account_id(database: Database, email: str) -> int:
    async with database.transaction() as session:
        official = await Officials(session).by_email(email)
        assert isinstance(official, Official)
        return official.id


async def new_citizen(database: Database, clock: FixedClock) -> int:
    async with database.transaction() as session:
        citizen = Citizen(created_at=clock.now())
        session.add(citizen)
        await session.flush()
        return citizen.id


async def file_request(
    database: Database, clock: FixedClock, authority_id: int, body: str, channel: str
) -> int:
    """A request filed by a new citizen through the civic rules, as the chat files it."""
    citizen_id = await new_citizen(database, clock)
    async with database.transaction() as session:
        draft = RequestDraft(authority_id=authority_id, body=body, requester_name="Марія Коваль")
        filed = await InformationRequests(session).file(
            draft, citizen_id, channel, "uk", clock.now()
        )
        return filed.request.id


async def sign_in_administrator(
    client: Client, database: Database, clock: FixedClock, email: str = "admin@example.org"
) -> SignedIn:
    """An administrator with the second factor on (the role requires it), signed in with
    password and code. The clock moves on a step: enrolment used the current code."""
    secret = await make_official(database, clock, email, OfficialRole.ADMINISTRATOR, totp=True)
    assert secret is not None
    signed_in = await sign_in(client, email)
    clock.at += timedelta(seconds=30)
    response = await signed_in.post(
        "/admin/login/second-factor", code=pyotp.TOTP(secret).at(clock.now())
    )
    assert response.status == 303, await response.text()
    return signed_in
