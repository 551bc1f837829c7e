"""GET /api/v1/organisations and /{id}: the stakeholder base as open data, filtered,
paginated by id, with its schema in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from yarl import URL

from civic.clock import FixedClock
from civic.organisation_demo import ORGANISATIONS, ensure_demo_organisations
from storage.db import Database

Client = TestClient[web.Request, web.Application]


async def _json(client: Client, path: str, status: int = 200) -> Any:
    response = await client.get(path)
    assert response.status == status, await response.text()
    return await response.json()


async def _demo(database: Database, clock: FixedClock) -> list[int]:
    async with database.transaction() as session:
        organisations, _added = await ensure_demo_organisations(session, clock.now())
        return [organisation.id for organisation in organisations]


async def test_the_list_pages_by_id_and_filters(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Two a page by id until `next` is null, every demo organisation once with its
    fields; a region, a word and `verified=false` narrow the list."""
    ids = await _demo(database, clock)
    seen: list[dict[str, Any]] = []
    page = await _json(client, "/api/v1/organisations?limit=2")
    while True:
        seen += page["items"]
        if page["next"] is None:
            break
        next_url = URL(page["next"])
        page = await _json(client, str(next_url.relative()))
    assert [item["id"] for item in seen] == sorted(ids)
    first = next(item for item in seen if item["edrpou"] == ORGANISATIONS[0].edrpou)
    assert first == {
        "id": first["id"],
        "name": ORGANISATIONS[0].name,
        "edrpou": ORGANISATIONS[0].edrpou,
        "region": ORGANISATIONS[0].region,
        "contacts": ORGANISATIONS[0].contacts,
        "registered_on": ORGANISATIONS[0].registered_on.isoformat(),
        "verified": True,
    }
    region = await _json(client, "/api/v1/organisations?region=Київ")
    assert [item["edrpou"] for item in region["items"]] == ["99000034"]
    word = await _json(client, "/api/v1/organisations?q=контролю")
    assert [item["edrpou"] for item in word["items"]] == ["99000040"]
    assert (await _json(client, "/api/v1/organisations?verified=false"))["items"] == []
    await _json(client, "/api/v1/organisations?verified=maybe", status=400)


async def test_one_organisation_or_404(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """An id gives that organisation; an unknown one the API's 404 error."""
    ids = await _demo(database, clock)
    assert (await _json(client, f"/api/v1/organisations/{ids[1]}"))["edrpou"] == "99000028"
    missing = await _json(client, f"/api/v1/organisations/{max(ids) + 1}", status=404)
    assert missing["error"]["code"]


async def test_the_openapi_document_describes_them(client: Client) -> None:
    """Both paths are in the OpenAPI document, the item's schema from its model."""
    document = await _json(client, "/api/v1/openapi.json")
    assert {"/api/v1/organisations", "/api/v1/organisations/{id}"} <= set(document["paths"])
    schema = document["components"]["schemas"]["Organisation"]
    assert {"edrpou", "verified", "registered_on"} <= set(schema["properties"])
