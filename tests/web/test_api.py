"""The public open-data API under /api/v1, against a real database on each backend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import openapi_spec_validator
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from bot.web import routes
from bot.web.server import create_app
from civic.clock import FixedClock
from civic.petitions import PUBLISHED, PetitionDraft, Petitions, SignResult
from civic.text import search_key
from storage.db import Database
from storage.models import Authority, AuthorityLevel, Citizen
from tests.helpers import BODY

Client = TestClient[web.Request, web.Application]

PETITION_FIELDS = {
    "id",
    "title",
    "body",
    "status",
    "signature_count",
    "threshold",
    "authority",
    "author_name",
    "published_at",
    "closes_at",
    "threshold_reached_at",
    "answered_at",
    "answer_text",
}
AUTHORITY_FIELDS = {"id", "name_uk", "name_en", "level", "region"}


@dataclass
class World:
    """Makes authorities, citizens and petitions through the civic rules, at ``now``."""

    database: Database
    now: datetime
    _authorities: int = 0

    async def authority(
        self,
        name: str | None = None,
        *,
        level: AuthorityLevel = AuthorityLevel.LOCAL,
        region: str | None = "Київська область",
        threshold: int = 3,
    ) -> int:
        self._authorities += 1
        name = name or f"Громада номер {self._authorities}"
        async with self.database.transaction() as session:
            authority = Authority(
                name_uk=name,
                name_en=f"Community {self._authorities}",
                level=level,
                region=region,
                petition_threshold=threshold,
                petition_period_days=30,
                search_text=search_key(name),
                created_at=self.now,
            )
            session.add(authority)
            await session.flush()
            return authority.id

    async def citizen(self) -> int:
        async with self.database.transaction() as session:
            citizen = Citizen(created_at=self.now)
            session.add(citizen)
            await session.flush()
            return citizen.id

    async def petition(
        self,
        authority_id: int,
        title: str = "Пішохідний перехід біля школи",
        *,
        publish: bool = True,
    ) -> int:
        """Submitted by a new citizen; published by a moderator unless ``publish`` is off."""
        author = await self.citizen()
        draft = PetitionDraft(authority_id, title, BODY, "Олена Петренко")
        async with self.database.transaction() as session:
            petitions = Petitions(session)
            petition = await petitions.submit(draft, author, self.now)
            if publish:
                await petitions.publish(petition.id, self.now)
            return petition.id

    async def sign(self, petition_id: int, citizen_id: int | None = None) -> SignResult:
        if citizen_id is None:
            citizen_id = await self.citizen()
        async with self.database.transaction() as session:
            return await Petitions(session).sign(petition_id, citizen_id, "telegram", self.now)

    async def reject(self, petition_id: int) -> None:
        async with self.database.transaction() as session:
            await Petitions(session).reject(petition_id, "Не стосується повноважень.", self.now)

    async def answer(self, petition_id: int) -> None:
        async with self.database.transaction() as session:
            await Petitions(session).answer(petition_id, "Перехід облаштують у травні.", self.now)

    async def sweep_after(self, days: int) -> None:
        async with self.database.transaction() as session:
            await Petitions(session).sweep(self.now + timedelta(days=days))


@pytest.fixture
def world(database: Database, clock: FixedClock) -> World:
    return World(database, clock.now())


async def get_json(client: Client, path: str, status: int = 200) -> Any:
    response = await client.get(path)
    assert response.status == status, await response.text()
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return await response.json()


def assert_error(body: Any, code: str) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]


def ids(body: Any) -> list[int]:
    return [item["id"] for item in body["items"]]


def all_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()


# --- list -------------------------------------------------------------------------------


async def test_list_is_items_and_next_of_published_petitions_only(
    client: Client, world: World
) -> None:
    """The list is {"items", "next"} holding published petitions only, newest id first."""
    authority = await world.authority()
    first = await world.petition(authority)
    await world.petition(authority, "Ще в модерації, не показувати", publish=False)
    rejected = await world.petition(authority, "Відхилена петиція про дороги", publish=False)
    await world.reject(rejected)
    second = await world.petition(authority, "Освітлення в парку Шевченка")

    response = await client.get("/api/v1/petitions")
    body = await response.json()

    assert set(body) == {"items", "next"}
    assert ids(body) == [second, first]
    assert body["next"] is None
    assert all(set(item) == PETITION_FIELDS for item in body["items"])
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_empty_database_lists_no_items(client: Client) -> None:
    """With nothing published the list is empty and has no next page."""
    assert await get_json(client, "/api/v1/petitions") == {"items": [], "next": None}


async def test_pagination_follows_next_across_pages(client: Client, world: World) -> None:
    """`next` is an absolute URL with the cursor replaced; following it walks every page once."""
    authority = await world.authority()
    made = [await world.petition(authority, f"Петиція номер {n} про сквер") for n in range(5)]

    pages: list[list[int]] = []
    path = f"/api/v1/petitions?limit=2&authority_id={authority}"
    while True:
        body = await get_json(client, path)
        pages.append(ids(body))
        if body["next"] is None:
            break
        next_url = URL(body["next"])
        assert next_url.is_absolute()
        assert next_url.host == client.server.host
        assert next_url.port == client.server.port
        assert next_url.path == "/api/v1/petitions"
        assert next_url.query["limit"] == "2"
        assert next_url.query["authority_id"] == str(authority)
        assert next_url.query["cursor"] == str(pages[-1][-1])
        path = next_url.path_qs

    newest_first = sorted(made, reverse=True)
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]


async def test_next_uses_the_public_url_behind_a_proxy(
    database: Database, clock: FixedClock, world: World
) -> None:
    """With VZ_PUBLIC_URL set, `next` starts with it instead of the internal address."""
    authority = await world.authority()
    for n in range(3):
        await world.petition(authority, f"Петиція номер {n} про парк")
    app = create_app(database, clock, "https://vzayemodiia.example/")
    async with TestClient(TestServer(app)) as proxied:
        body = await get_json(proxied, "/api/v1/petitions?limit=2")
    assert str(body["next"]).startswith("https://vzayemodiia.example/api/v1/petitions?")
    assert URL(str(body["next"])).query["limit"] == "2"


async def test_next_is_null_when_the_last_page_is_exactly_full(
    client: Client, world: World
) -> None:
    """A page that holds the last item has no next, even when it is exactly full."""
    authority = await world.authority()
    for n in range(2):
        await world.petition(authority, f"Петиція номер {n} про сквер")

    body = await get_json(client, "/api/v1/petitions?limit=2")

    assert len(body["items"]) == 2
    assert body["next"] is None


async def test_cursor_returns_only_lower_ids(client: Client, world: World) -> None:
    """`cursor=N` lists only petitions whose id is below N."""
    authority = await world.authority()
    made = [await world.petition(authority, f"Петиція номер {n} про сквер") for n in range(3)]

    body = await get_json(client, f"/api/v1/petitions?cursor={made[2]}")

    assert ids(body) == [made[1], made[0]]


async def test_default_page_size_is_twenty(client: Client, world: World) -> None:
    """Without `limit` a page has 20 items and points to the next one."""
    authority = await world.authority()
    for n in range(21):
        await world.petition(authority, f"Петиція номер {n} про сквер")

    body = await get_json(client, "/api/v1/petitions")

    assert len(body["items"]) == routes.DEFAULT_LIMIT == 20
    assert body["next"] is not None
    assert len((await get_json(client, URL(body["next"]).path_qs))["items"]) == 1


async def test_status_filter_selects_each_public_status(client: Client, world: World) -> None:
    """`status=` narrows the list to open, awaiting_answer, answered or closed petitions."""
    authority = await world.authority(threshold=1)
    closed = await world.petition(authority, "Петиція, що не зібрала підписів")
    await world.sweep_after(days=31)
    open_ = await world.petition(authority, "Петиція, що ще збирає підписи")
    awaiting = await world.petition(authority, "Петиція, що чекає на відповідь")
    await world.sign(awaiting)
    answered = await world.petition(authority, "Петиція, що отримала відповідь")
    await world.sign(answered)
    await world.answer(answered)

    expected = {
        "open": open_,
        "awaiting_answer": awaiting,
        "answered": answered,
        "closed": closed,
    }
    for status, petition_id in expected.items():
        body = await get_json(client, f"/api/v1/petitions?status={status}")
        assert ids(body) == [petition_id], status
        assert body["items"][0]["status"] == status
    everything = await get_json(client, "/api/v1/petitions")
    assert sorted(ids(everything)) == sorted(expected.values())


async def test_authority_filter_selects_that_authoritys_petitions(
    client: Client, world: World
) -> None:
    """`authority_id=` lists only petitions addressed to that authority; unknown ones none."""
    city = await world.authority("Київська міська рада")
    village = await world.authority("Бородянська селищна рада")
    in_city = await world.petition(city, "Велодоріжка на Хрещатику")
    in_village = await world.petition(village, "Ремонт сільського клубу")

    assert ids(await get_json(client, f"/api/v1/petitions?authority_id={city}")) == [in_city]
    village_body = await get_json(client, f"/api/v1/petitions?authority_id={village}")
    assert ids(village_body) == [in_village]
    assert village_body["items"][0]["authority"]["id"] == village
    unknown = await get_json(client, f"/api/v1/petitions?authority_id={village + 100}")
    assert unknown == {"items": [], "next": None}


async def test_filters_combine(client: Client, world: World) -> None:
    """`status` and `authority_id` together select petitions matching both."""
    city = await world.authority("Київська міська рада", threshold=1)
    village = await world.authority("Бородянська селищна рада", threshold=1)
    await world.petition(city, "Велодоріжка на Хрещатику")
    awaiting = await world.petition(city, "Сквер замість парковки")
    await world.sign(awaiting)
    other = await world.petition(village, "Ремонт сільського клубу")
    await world.sign(other)

    body = await get_json(client, f"/api/v1/petitions?status=awaiting_answer&authority_id={city}")

    assert ids(body) == [awaiting]


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=abc",
        "limit=",
        "limit=-5",
        "limit=2.5",
        "limit=%201",
        "limit=1&limit=2",
        "cursor=0",
        "cursor=-1",
        "cursor=x",
        f"cursor={2**63}",
        "status=moderation",
        "status=rejected",
        "status=OPEN",
        "status=bogus",
        "status=",
        "authority_id=0",
        "authority_id=kyiv",
    ],
)
async def test_bad_query_values_are_400(client: Client, query: str) -> None:
    """A malformed, out-of-range, non-public or repeated parameter is 400 bad_request."""
    body = await get_json(client, f"/api/v1/petitions?{query}", status=400)

    assert_error(body, "bad_request")


async def test_unknown_query_parameters_are_ignored(client: Client, world: World) -> None:
    """Parameters the API does not know do not change the answer."""
    authority = await world.authority()
    petition = await world.petition(authority)

    body = await get_json(client, "/api/v1/petitions?sort=top&lang=en")

    assert ids(body) == [petition]


async def test_limit_bounds_are_accepted(client: Client, world: World) -> None:
    """`limit=1` and `limit=100` are both valid page sizes."""
    authority = await world.authority()
    for n in range(2):
        await world.petition(authority, f"Петиція номер {n} про сквер")

    assert len((await get_json(client, "/api/v1/petitions?limit=1"))["items"]) == 1
    assert len((await get_json(client, "/api/v1/petitions?limit=100"))["items"]) == 2


# --- one petition -----------------------------------------------------------------------


async def test_detail_has_every_field_with_its_type(client: Client, world: World) -> None:
    """A petition has exactly the documented fields, typed, with offset timestamps."""
    authority = await world.authority(
        "Львівська обласна рада", level=AuthorityLevel.REGIONAL, region="Львівська область"
    )
    petition_id = await world.petition(authority, "Пішохідний перехід біля школи")

    response = await client.get(f"/api/v1/petitions/{petition_id}")
    body = await response.json()

    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert set(body) == PETITION_FIELDS
    assert body["id"] == petition_id
    assert body["title"] == "Пішохідний перехід біля школи"
    assert body["body"] == BODY
    assert body["status"] == "open"
    assert body["signature_count"] == 0
    assert body["threshold"] == 3
    assert body["author_name"] == "Олена Петренко"
    assert body["authority"] == {
        "id": authority,
        "name_uk": "Львівська обласна рада",
        "name_en": body["authority"]["name_en"],
        "level": "regional",
        "region": "Львівська область",
    }
    assert isinstance(body["authority"]["name_en"], str)
    published = datetime.fromisoformat(body["published_at"])
    closes = datetime.fromisoformat(body["closes_at"])
    assert published.utcoffset() is not None
    assert closes.utcoffset() is not None
    assert published == world.now
    assert closes > published
    assert body["threshold_reached_at"] is None
    assert body["answered_at"] is None
    assert body["answer_text"] is None
    assert "Олена" in await response.text()  # UTF-8 as is, not \u escapes


async def test_answered_petition_shows_answer_and_timestamps(client: Client, world: World) -> None:
    """An answered petition carries the answer text and when the threshold and answer came."""
    authority = await world.authority(threshold=1)
    petition_id = await world.petition(authority)
    await world.sign(petition_id)
    await world.answer(petition_id)

    body = await get_json(client, f"/api/v1/petitions/{petition_id}")

    assert body["status"] == "answered"
    assert body["answer_text"] == "Перехід облаштують у травні."
    assert datetime.fromisoformat(body["threshold_reached_at"]) == world.now
    assert datetime.fromisoformat(body["answered_at"]) == world.now


async def test_signature_count_equals_signatures_made(client: Client, world: World) -> None:
    """`signature_count` counts each citizen's signature once, in the list and the detail."""
    authority = await world.authority(threshold=100)
    petition_id = await world.petition(authority)
    other = await world.petition(authority, "Інша петиція без підписів")
    signers = [await world.citizen() for _ in range(3)]
    for citizen in signers:
        await world.sign(petition_id, citizen)
    await world.sign(petition_id, signers[0])  # a repeat adds nothing

    detail = await get_json(client, f"/api/v1/petitions/{petition_id}")
    listed = await get_json(client, "/api/v1/petitions")

    assert detail["signature_count"] == 3
    counts = {item["id"]: item["signature_count"] for item in listed["items"]}
    assert counts == {petition_id: 3, other: 0}


async def test_no_citizen_or_phone_data_is_published(client: Client, world: World) -> None:
    """No response names a citizen id, phone data or a rejection reason."""
    authority = await world.authority(threshold=1)
    petition_id = await world.petition(authority)
    await world.sign(petition_id)

    keys = all_keys(await get_json(client, "/api/v1/petitions"))
    keys |= all_keys(await get_json(client, f"/api/v1/petitions/{petition_id}"))

    assert not [k for k in keys if "citizen" in k or "phone" in k or "rejection" in k]


async def test_unknown_id_is_404_error(client: Client, world: World) -> None:
    """An id no petition has is 404 with the error shape."""
    authority = await world.authority()
    petition_id = await world.petition(authority)

    body = await get_json(client, f"/api/v1/petitions/{petition_id + 1000}", status=404)

    assert_error(body, "not_found")


async def test_unpublished_petitions_are_404_like_unknown_ids(client: Client, world: World) -> None:
    """Petitions in moderation or rejected are 404 with the same message as a missing id."""
    authority = await world.authority()
    in_moderation = await world.petition(authority, publish=False)
    rejected = await world.petition(authority, "Відхилена петиція про дороги", publish=False)
    await world.reject(rejected)

    missing = await get_json(client, f"/api/v1/petitions/{rejected + 1000}", status=404)
    for petition_id in (in_moderation, rejected):
        body = await get_json(client, f"/api/v1/petitions/{petition_id}", status=404)
        assert_error(body, "not_found")
        assert body == missing


@pytest.mark.parametrize("raw_id", ["abc", "0", "-1", "1.0", "%201", str(2**63), "9" * 40])
async def test_non_integer_or_out_of_range_id_is_404(client: Client, raw_id: str) -> None:
    """An id that is not a positive 64-bit integer is 404 not_found, as no item can have it."""
    body = await get_json(client, f"/api/v1/petitions/{raw_id}", status=404)

    assert_error(body, "not_found")


async def test_unknown_api_path_is_json_404(client: Client) -> None:
    """A path under /api/v1 that does not exist is a JSON 404 too, with CORS."""
    body = await get_json(client, "/api/v1/nothing-here", status=404)

    assert_error(body, "not_found")


async def test_writing_methods_are_405_with_allow(client: Client) -> None:
    """The API is read-only: POST is 405 method_not_allowed naming the allowed methods."""
    response = await client.post("/api/v1/petitions", json={"title": "x"})

    assert response.status == 405
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Allow"]
    assert_error(await response.json(), "method_not_allowed")


# --- OpenAPI and health -----------------------------------------------------------------


async def test_openapi_document_is_served_and_lists_the_paths(client: Client) -> None:
    """/api/v1/openapi.json is an OpenAPI 3.1 document of the API's paths and schemas."""
    document = await get_json(client, "/api/v1/openapi.json")

    assert document["openapi"].startswith("3.1")
    assert {
        "/api/v1/petitions",
        "/api/v1/petitions/{id}",
        "/api/v1/openapi.json",
        "/healthz",
    } <= set(document["paths"])
    assert {"Petition", "PetitionList", "Error"} <= set(document["components"]["schemas"])
    petition_schema = document["components"]["schemas"]["Petition"]
    assert set(petition_schema["properties"]) == PETITION_FIELDS
    assert set(petition_schema["required"]) == PETITION_FIELDS
    assert petition_schema["properties"]["status"]["enum"] == [s.value for s in PUBLISHED]
    authority_schema = document["components"]["schemas"]["Authority"]
    assert set(authority_schema["properties"]) == AUTHORITY_FIELDS


async def test_openapi_document_is_valid(client: Client) -> None:
    """The served document passes openapi-spec-validator."""
    document = await get_json(client, "/api/v1/openapi.json")

    openapi_spec_validator.validate(document)


async def test_responses_match_the_documented_schemas(client: Client, world: World) -> None:
    """List, detail and error bodies validate against the document's component schemas."""
    authority = await world.authority(region=None, level=AuthorityLevel.NATIONAL, threshold=1)
    petition_id = await world.petition(authority)
    await world.sign(petition_id)
    await world.answer(petition_id)
    await world.petition(authority, "Друга петиція про бюджет")
    document = await get_json(client, "/api/v1/openapi.json")

    def check(body: Any, schema: str) -> None:
        root = {**document, "$ref": f"#/components/schemas/{schema}"}
        jsonschema.Draft202012Validator(
            root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(body)

    check(await get_json(client, "/api/v1/petitions?limit=1"), "PetitionList")
    check(await get_json(client, f"/api/v1/petitions/{petition_id}"), "Petition")
    check(await get_json(client, "/api/v1/petitions/999999", status=404), "Error")
    check(await get_json(client, "/api/v1/petitions?limit=0", status=400), "Error")


async def test_healthz_is_200_when_the_database_answers(client: Client) -> None:
    """/healthz answers 200 with status ok on a working database."""
    response = await client.get("/healthz")

    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_a_failure_is_a_json_500_without_details(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A server-side failure is 500 internal_error with CORS, logged, not shown to clients."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/never-migrated.sqlite3")
    client: Client = TestClient(TestServer(create_app(database, clock)))
    await client.start_server()
    try:
        response = await client.get("/api/v1/petitions")
        body = await response.json()
    finally:
        await client.close()
        await database.dispose()

    assert response.status == 500
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert_error(body, "internal_error")
    assert "petition" not in body["error"]["message"].lower()
    assert "open-data API request failed" in caplog.text


async def test_head_is_answered_like_get(client: Client) -> None:
    """HEAD on a list answers 200 with the JSON headers and no body."""
    response = await client.head("/api/v1/petitions")

    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert await response.read() == b""
