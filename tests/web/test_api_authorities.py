"""GET /api/v1/authorities and /api/v1/authorities/{id}: the directory with statistics of
requests for public information, against a real database on each backend.

The clock is Fri 27 Nov 2026 10:00 UTC. Requests are filed and handled through the civic
rules at chosen moments before it, so their due times are the statutory ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jsonschema
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event
from yarl import URL

from bot.web import routes
from bot.web.server import create_app
from civic.clock import FixedClock
from civic.information_requests import Filed, InformationRequests, RefusalReason, RequestDraft
from civic.text import search_key
from storage.db import Database
from storage.models import Authority, AuthorityLevel, Citizen

Client = TestClient[web.Request, web.Application]

AUTHORITY_FIELDS = {
    "id",
    "name_uk",
    "name_en",
    "level",
    "region",
    "address",
    "phone",
    "request_email",
    "website",
    "public_council_url",
    "petition_rules",
    "information_requests",
}
RULES_FIELDS = {"threshold", "period_months", "period_days"}
STATS_FIELDS = {
    "received",
    "answered",
    "answered_on_time",
    "refused",
    "withdrawn",
    "open",
    "overdue",
}
ZERO_STATS = dict.fromkeys(STATS_FIELDS, 0)
REQUEST_BODY = "Прошу надати копію договору на ремонт даху школи № 5 за 2026 рік."
REQUESTER = "Оксана Мельничук"


@dataclass
class World:
    """Makes authorities, citizens and requests through the civic rules."""

    database: Database
    now: datetime
    _authorities: int = 0

    async def authority(
        self,
        name: str | None = None,
        *,
        level: AuthorityLevel = AuthorityLevel.LOCAL,
        region: str | None = "Київська область",
        months: int | None = None,
        **contacts: str,
    ) -> int:
        self._authorities += 1
        name = name or f"Громада номер {self._authorities}"
        async with self.database.transaction() as session:
            authority = Authority(
                name_uk=name,
                name_en=f"Community {self._authorities}",
                level=level,
                region=region,
                petition_threshold=250,
                petition_period_months=months,
                petition_period_days=None if months else 60,
                search_text=search_key(name),
                created_at=self.now,
                **contacts,
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

    async def file(
        self,
        authority_id: int,
        at: datetime,
        *,
        body: str = REQUEST_BODY,
        citizen_id: int | None = None,
        reply_email: str | None = None,
    ) -> Filed:
        if citizen_id is None:
            citizen_id = await self.citizen()
        draft = RequestDraft(authority_id, body, REQUESTER, reply_email=reply_email)
        async with self.database.transaction() as session:
            return await InformationRequests(session).file(draft, citizen_id, "telegram", "uk", at)

    async def answer(self, request_id: int, at: datetime, *, partly: bool = False) -> None:
        async with self.database.transaction() as session:
            await InformationRequests(session).answer(
                request_id, "Копію договору надсилаємо у вкладенні.", at, partly=partly
            )

    async def refuse(self, request_id: int, at: datetime) -> None:
        async with self.database.transaction() as session:
            await InformationRequests(session).refuse(
                request_id, RefusalReason.NOT_HOLDER, "Договір укладав департамент освіти.", at
            )

    async def withdraw(self, filed: Filed, at: datetime) -> None:
        async with self.database.transaction() as session:
            await InformationRequests(session).withdraw(
                filed.request.id, filed.request.citizen_id, at
            )

    async def ask_clarification(self, request_id: int, at: datetime) -> None:
        async with self.database.transaction() as session:
            await InformationRequests(session).ask_clarification(
                request_id, "Уточніть, будь ласка, номер школи.", at
            )

    async def extend(self, request_id: int, at: datetime) -> None:
        async with self.database.transaction() as session:
            await InformationRequests(session).extend(
                request_id, "Великий обсяг інформації в архіві.", at
            )


@pytest.fixture
def world(database: Database, clock: FixedClock) -> World:
    return World(database, clock.now())


async def get_json(client: Client, path: str, status: int = 200) -> Any:
    response = await client.get(path)
    assert response.status == status, await response.text()
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if status == 200 and path.startswith("/api/v1/authorities"):
        assert response.headers["Cache-Control"] == "no-store"
    return await response.json()


def assert_error(body: Any, code: str) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def ids(body: Any) -> list[int]:
    return [item["id"] for item in body["items"]]


def all_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()


async def hand_made_requests(world: World, authority: int) -> None:
    """One request in each situation the statistics tell apart."""
    now, day = world.now, timedelta(days=1)
    on_time = await world.file(authority, now - 2 * day)
    await world.answer(on_time.request.id, now - day)
    late = await world.file(authority, now - 20 * day)
    await world.answer(late.request.id, now - day, partly=True)
    refused = await world.file(authority, now - 3 * day)
    await world.refuse(refused.request.id, now - 2 * day)
    withdrawn = await world.file(authority, now - 3 * day)
    await world.withdraw(withdrawn, now - 2 * day)
    await world.file(authority, now - 20 * day)  # open, overdue
    await world.file(authority, now - timedelta(hours=1))  # open, not yet due
    clarification = await world.file(authority, now - 20 * day)  # past due, clock stopped
    await world.ask_clarification(clarification.request.id, now - 19 * day)
    extended = await world.file(authority, now - 40 * day)  # 20 working days, also past
    await world.extend(extended.request.id, now - 39 * day)


HAND_MADE_STATS = {
    "received": 8,
    "answered": 2,
    "answered_on_time": 1,
    "refused": 1,
    "withdrawn": 1,
    "open": 4,
    "overdue": 2,
}


# --- shape ------------------------------------------------------------------------------


async def test_detail_has_contacts_rules_and_statistics(client: Client, world: World) -> None:
    """An authority has exactly the documented fields: contacts, petition rules, statistics."""
    authority = await world.authority(
        "Львівська обласна рада",
        level=AuthorityLevel.REGIONAL,
        region="Львівська область",
        months=3,
        address="м. Львів, вул. Винниченка, 18",
        phone="+380322999999",
        request_email="zapyt@lvivoblrada.gov.ua",
        website="https://lvivoblrada.gov.ua",
        public_council_url="https://lvivoblrada.gov.ua/hromadska-rada",
    )

    body = await get_json(client, f"/api/v1/authorities/{authority}")

    assert body == {
        "id": authority,
        "name_uk": "Львівська обласна рада",
        "name_en": body["name_en"],
        "level": "regional",
        "region": "Львівська область",
        "address": "м. Львів, вул. Винниченка, 18",
        "phone": "+380322999999",
        "request_email": "zapyt@lvivoblrada.gov.ua",
        "website": "https://lvivoblrada.gov.ua",
        "public_council_url": "https://lvivoblrada.gov.ua/hromadska-rada",
        "petition_rules": {"threshold": 250, "period_months": 3, "period_days": None},
        "information_requests": ZERO_STATS,
    }
    assert isinstance(body["name_en"], str)


async def test_missing_contacts_are_null_and_days_period_shown(
    client: Client, world: World
) -> None:
    """Contacts not in the directory are null; a period in days has null months."""
    authority = await world.authority(level=AuthorityLevel.NATIONAL, region=None)

    body = await get_json(client, f"/api/v1/authorities/{authority}")

    assert set(body) == AUTHORITY_FIELDS
    assert body["region"] is None
    for field in ("address", "phone", "request_email", "website", "public_council_url"):
        assert body[field] is None, field
    assert body["petition_rules"] == {"threshold": 250, "period_months": None, "period_days": 60}


async def test_list_items_have_the_detail_shape(client: Client, world: World) -> None:
    """List items are the same objects as the detail, statistics included."""
    first = await world.authority()
    second = await world.authority()
    await world.file(second, world.now - timedelta(hours=1))

    listed = await get_json(client, "/api/v1/authorities")

    assert set(listed) == {"items", "next"}
    assert ids(listed) == [first, second]
    assert listed["next"] is None
    for item in listed["items"]:
        assert item == await get_json(client, f"/api/v1/authorities/{item['id']}")
    assert listed["items"][1]["information_requests"]["received"] == 1


async def test_responses_match_the_documented_schemas(client: Client, world: World) -> None:
    """List, detail and error bodies validate against the OpenAPI document's schemas."""
    full = await world.authority(
        months=6, address="вул. Хрещатик, 36", request_email="zapyt@kyivcity.gov.ua"
    )
    await world.authority(level=AuthorityLevel.NATIONAL, region=None)
    await hand_made_requests(world, full)
    document = await get_json(client, "/api/v1/openapi.json")

    def check(body: Any, schema: str) -> None:
        root = {**document, "$ref": f"#/components/schemas/{schema}"}
        jsonschema.Draft202012Validator(
            root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(body)

    check(await get_json(client, "/api/v1/authorities"), "AuthorityList")
    check(await get_json(client, "/api/v1/authorities?limit=1"), "AuthorityList")
    check(await get_json(client, f"/api/v1/authorities/{full}"), "AuthorityProfile")
    check(await get_json(client, "/api/v1/authorities/999999", status=404), "Error")
    check(await get_json(client, "/api/v1/authorities?level=city", status=400), "Error")


async def test_openapi_document_describes_the_authority_endpoints(client: Client) -> None:
    """The document has both paths, and AuthorityProfile names and requires every field."""
    document = await get_json(client, "/api/v1/openapi.json")

    assert {"/api/v1/authorities", "/api/v1/authorities/{id}"} <= set(document["paths"])
    schemas = document["components"]["schemas"]
    profile = schemas["AuthorityProfile"]
    assert set(profile["properties"]) == set(profile["required"]) == AUTHORITY_FIELDS
    stats = schemas["RequestStatistics"]
    assert set(stats["properties"]) == set(stats["required"]) == STATS_FIELDS
    rules = schemas["PetitionRules"]
    assert set(rules["properties"]) == set(rules["required"]) == RULES_FIELDS
    parameters = document["paths"]["/api/v1/authorities"]["get"]["parameters"]
    level = next(p for p in parameters if p["name"] == "level")
    assert level["schema"]["enum"] == [lv.value for lv in AuthorityLevel]


# --- statistics -------------------------------------------------------------------------


async def test_statistics_count_each_kind_of_request(client: Client, world: World) -> None:
    """received/answered/on time/refused/withdrawn/open/overdue each count the right ones."""
    authority = await world.authority()
    other = await world.authority()
    await hand_made_requests(world, authority)
    await world.file(other, world.now - timedelta(days=20))  # another authority's

    body = await get_json(client, f"/api/v1/authorities/{authority}")

    assert body["information_requests"] == HAND_MADE_STATS
    listed = await get_json(client, "/api/v1/authorities")
    by_id = {item["id"]: item["information_requests"] for item in listed["items"]}
    assert by_id == {
        authority: HAND_MADE_STATS,
        other: {**ZERO_STATS, "received": 1, "open": 1, "overdue": 1},
    }


async def test_answer_at_the_due_time_is_on_time(client: Client, world: World) -> None:
    """An answer given exactly at the due time counts as on time; a second later, late."""
    authority = await world.authority()
    exactly = await world.file(authority, world.now - timedelta(days=20))
    await world.answer(exactly.request.id, exactly.request.due_at)
    just_late = await world.file(authority, world.now - timedelta(days=20))
    await world.answer(just_late.request.id, just_late.request.due_at + timedelta(seconds=1))

    body = await get_json(client, f"/api/v1/authorities/{authority}")

    stats = body["information_requests"]
    assert (stats["answered"], stats["answered_on_time"]) == (2, 1)


async def test_overdue_follows_the_apps_clock(
    client: Client, world: World, clock: FixedClock
) -> None:
    """Overdue is counted at the time of the API request: not at the due time, after it yes."""
    authority = await world.authority()
    filed = await world.file(authority, world.now)
    path = f"/api/v1/authorities/{authority}"

    clock.at = filed.request.due_at
    at_due = (await get_json(client, path))["information_requests"]
    clock.at = filed.request.due_at + timedelta(seconds=1)
    after_due = (await get_json(client, path))["information_requests"]

    assert (at_due["open"], at_due["overdue"]) == (1, 0)
    assert (after_due["open"], after_due["overdue"]) == (1, 1)


async def test_list_statistics_take_one_aggregate_query(
    client: Client, world: World, database: Database
) -> None:
    """A page of authorities reads the requests in one grouped query, not one per authority."""
    authorities = [await world.authority() for _ in range(4)]
    for authority in authorities:
        await world.file(authority, world.now - timedelta(days=20))
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        body = await get_json(client, "/api/v1/authorities")
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)

    assert [item["information_requests"]["overdue"] for item in body["items"]] == [1] * 4
    on_requests = [s for s in statements if "information_request" in s]
    assert len(on_requests) == 1
    assert "GROUP BY" in on_requests[0].upper()


# --- privacy ----------------------------------------------------------------------------


async def test_no_requester_data_is_published(client: Client, world: World) -> None:
    """No citizen id, requester name, e-mail, request number or request text is published."""
    authority = await world.authority()
    secret_body = "Прошу надати листування мера з забудовником ТОВ «Секретбуд» за жовтень."
    citizen = await world.citizen()
    filed = await world.file(
        authority,
        world.now - timedelta(days=3),
        body=secret_body,
        citizen_id=citizen,
        reply_email="oksana.private@example.org",
    )
    await world.refuse(filed.request.id, world.now - timedelta(days=2))

    listed = await client.get("/api/v1/authorities")
    detail = await client.get(f"/api/v1/authorities/{authority}")
    texts = [await listed.text(), await detail.text()]
    bodies = [json.loads(text) for text in texts]

    assert bodies[1]["information_requests"]["refused"] == 1
    keys = all_keys(bodies)
    assert keys == {"items", "next"} | AUTHORITY_FIELDS | RULES_FIELDS | STATS_FIELDS
    assert not [k for k in keys if "citizen" in k or "requester" in k or "body" in k]
    for text in texts:
        for private in (
            secret_body,
            "Секретбуд",
            REQUESTER,
            "oksana.private@example.org",
            filed.request.number,
            "Договір укладав департамент освіти.",
        ):
            assert private not in text


# --- list: filters and pages ------------------------------------------------------------


async def test_level_filter_selects_that_level(client: Client, world: World) -> None:
    """`level=` lists only authorities of that level, by id."""
    national = await world.authority(level=AuthorityLevel.NATIONAL, region=None)
    regional = await world.authority(level=AuthorityLevel.REGIONAL)
    local = [await world.authority(level=AuthorityLevel.LOCAL) for _ in range(2)]

    assert ids(await get_json(client, "/api/v1/authorities?level=national")) == [national]
    assert ids(await get_json(client, "/api/v1/authorities?level=regional")) == [regional]
    assert ids(await get_json(client, "/api/v1/authorities?level=local")) == local


async def test_region_filter_is_an_exact_match(client: Client, world: World) -> None:
    """`region=` matches the region exactly (not a prefix, not case-folded); filters combine."""
    lviv_regional = await world.authority(level=AuthorityLevel.REGIONAL, region="Львівська область")
    lviv_local = await world.authority(region="Львівська область")
    await world.authority(region="Київська область")
    await world.authority(level=AuthorityLevel.NATIONAL, region=None)

    lviv = await get_json(client, "/api/v1/authorities?region=Львівська область")
    assert ids(lviv) == [lviv_regional, lviv_local]
    combined = await get_json(client, "/api/v1/authorities?region=Львівська область&level=local")
    assert ids(combined) == [lviv_local]
    for near_miss in ("Львівська", "львівська область", "Львівська область "):
        body = await get_json(client, f"/api/v1/authorities?region={near_miss}")
        assert body == {"items": [], "next": None}, near_miss


async def test_pagination_follows_next_across_pages(client: Client, world: World) -> None:
    """`next` carries the filters and the last id as cursor; following it walks each page once."""
    made = [await world.authority() for _ in range(5)]
    await world.authority(level=AuthorityLevel.NATIONAL, region=None)  # filtered out

    pages: list[list[int]] = []
    path = "/api/v1/authorities?limit=2&level=local"
    while True:
        body = await get_json(client, path)
        pages.append(ids(body))
        if body["next"] is None:
            break
        next_url = URL(body["next"])
        assert next_url.is_absolute()
        assert next_url.host == client.server.host
        assert next_url.path == "/api/v1/authorities"
        assert next_url.query["limit"] == "2"
        assert next_url.query["level"] == "local"
        assert next_url.query["cursor"] == str(pages[-1][-1])
        path = next_url.path_qs

    assert pages == [made[0:2], made[2:4], made[4:5]]


async def test_cursor_returns_only_higher_ids(client: Client, world: World) -> None:
    """`cursor=N` lists only authorities whose id is above N, ascending."""
    made = [await world.authority() for _ in range(3)]

    assert ids(await get_json(client, f"/api/v1/authorities?cursor={made[0]}")) == made[1:]


async def test_default_page_size_is_twenty(client: Client, world: World) -> None:
    """Without `limit` a page has 20 authorities and a next page; an exactly full last page has
    no next."""
    for _ in range(21):
        await world.authority()

    first = await get_json(client, "/api/v1/authorities")
    exact = await get_json(client, "/api/v1/authorities?limit=21")

    assert len(first["items"]) == routes.DEFAULT_LIMIT == 20
    assert first["next"] is not None
    assert len((await get_json(client, URL(first["next"]).path_qs))["items"]) == 1
    assert len(exact["items"]) == 21
    assert exact["next"] is None


async def test_next_uses_the_public_url_behind_a_proxy(
    database: Database, clock: FixedClock, world: World
) -> None:
    """With VZ_PUBLIC_URL set, `next` starts with it instead of the internal address."""
    for _ in range(3):
        await world.authority()
    app = create_app(database, clock, "https://vzayemodiia.example/")
    async with TestClient(TestServer(app)) as proxied:
        body = await get_json(proxied, "/api/v1/authorities?limit=2")
    assert str(body["next"]).startswith("https://vzayemodiia.example/api/v1/authorities?")


async def test_empty_directory_lists_no_items(client: Client) -> None:
    """With no authorities the list is empty and has no next page."""
    assert await get_json(client, "/api/v1/authorities") == {"items": [], "next": None}


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=abc",
        "limit=",
        "limit=1&limit=2",
        "cursor=0",
        "cursor=x",
        f"cursor={2**63}",
        "level=city",
        "level=LOCAL",
        "level=",
        "level=local&level=local",
        "region=",
        "region=a&region=b",
    ],
)
async def test_bad_query_values_are_400(client: Client, query: str) -> None:
    """A malformed, out-of-range, unknown-level, empty or repeated parameter is 400."""
    body = await get_json(client, f"/api/v1/authorities?{query}", status=400)

    assert_error(body, "bad_request")


# --- one authority ----------------------------------------------------------------------


async def test_unknown_id_is_404_error(client: Client, world: World) -> None:
    """An id no authority has is 404 not_found with the error shape."""
    authority = await world.authority()

    body = await get_json(client, f"/api/v1/authorities/{authority + 1000}", status=404)

    assert_error(body, "not_found")


@pytest.mark.parametrize("raw_id", ["abc", "0", "-1", "1.0", "%201", str(2**63), "9" * 40])
async def test_non_integer_or_out_of_range_id_is_404(client: Client, raw_id: str) -> None:
    """An id that is not a positive 64-bit integer is 404 not_found, as for petitions."""
    body = await get_json(client, f"/api/v1/authorities/{raw_id}", status=404)

    assert_error(body, "not_found")
