"""Answer files behind signed links: the right link downloads, any other is 404."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.web.attachments import attachment_token, attachment_url
from bot.web.server import create_app
from civic.clock import FixedClock
from civic.identity import attachment_key
from civic.information_requests import (
    MAX_ATTACHMENTS,
    AttachedFile,
    InformationRequests,
    RequestDraft,
    RequestError,
)
from storage import repositories as repo
from storage.db import Database
from tests.conftest import TEST_SECRET
from tests.helpers import make_authority

KEY = attachment_key(TEST_SECRET)
BODY = "Прошу надати копію договору на ремонт дороги по вул. Шевченка за 2026 рік."
PDF = AttachedFile("договір.pdf", "application/pdf", b"%PDF-1.7 " + bytes(range(256)))

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(database: Database, clock: FixedClock) -> AsyncIterator[Client]:
    """The app with the attachment route, keyed like serve's."""
    app = create_app(database, clock, attachment_key=KEY)
    test_client: Client = TestClient(TestServer(app))
    await test_client.start_server()
    try:
        yield test_client
    finally:
        await test_client.close()


async def _request(database: Database, clock: FixedClock) -> int:
    authority = await make_authority(database, clock.now())
    async with database.transaction() as session:
        account = await repo.lock_account(session, "viber", "v-1", "uk", clock.now())
        filed = await InformationRequests(session).file(
            RequestDraft(authority, BODY, "Олена Коваль"),
            account.citizen_id,
            "viber",
            "uk",
            clock.now(),
        )
        return filed.request.id


async def _answer_files(
    database: Database, clock: FixedClock, request_id: int, files: list[AttachedFile]
) -> None:
    async with database.transaction() as session:
        await InformationRequests(session).answer(request_id, "Додаємо.", clock.now(), files=files)


async def _answer_with(database: Database, clock: FixedClock, files: list[AttachedFile]) -> int:
    request_id = await _request(database, clock)
    await _answer_files(database, clock, request_id, files)
    return request_id


async def test_the_signed_link_downloads_the_file_with_its_name(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Bytes, media type and a UTF-8 file name come back; nothing is cached."""
    request_id = await _answer_with(database, clock, [PDF])
    async with database.transaction() as session:
        (attachment,) = await InformationRequests(session).attachments(request_id)
    url = attachment_url("http://x", KEY, attachment.id).removeprefix("http://x")
    response = await client.get(url)
    assert response.status == 200
    assert await response.read() == PDF.content
    assert response.headers["Content-Type"] == "application/pdf"
    assert (
        "UTF-8''%D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D1%96%D1%80.pdf"
        in response.headers["Content-Disposition"]
    )
    assert response.headers["Cache-Control"] == "private, no-store"


async def test_a_wrong_token_or_another_id_is_404(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A token for another id, a guessed token and an unknown id all look the same."""
    request_id = await _answer_with(database, clock, [PDF])
    async with database.transaction() as session:
        (attachment,) = await InformationRequests(session).attachments(request_id)
    other = attachment_token(KEY, attachment.id + 1)
    for path in (
        f"/attachments/{attachment.id}/{other}",
        f"/attachments/{attachment.id}/{'0' * 32}",
        f"/attachments/{attachment.id + 1}/{other}",
    ):
        assert (await client.get(path)).status == 404


@pytest.mark.parametrize(
    ("files", "code"),
    [
        ([AttachedFile("", "application/pdf", b"x")], "bad_attachment_name"),
        ([AttachedFile("../etc/passwd", "text/plain", b"x")], "bad_attachment_name"),
        ([AttachedFile("empty.pdf", "application/pdf", b"")], "bad_attachment_size"),
        ([PDF] * (MAX_ATTACHMENTS + 1), "too_many_attachments"),
    ],
)
async def test_bad_files_are_refused_and_the_request_stays_unanswered(
    database: Database, clock: FixedClock, files: list[AttachedFile], code: str
) -> None:
    """A nameless, path-like, empty or excess file refuses the whole answer."""
    request_id = await _request(database, clock)
    with pytest.raises(RequestError) as raised:
        await _answer_files(database, clock, request_id, files)
    assert raised.value.code == code
    async with database.transaction() as session:
        assert await InformationRequests(session).attachments(request_id) == []
