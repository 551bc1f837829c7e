"""The read-only public open-data API under ``/api/v1`` (DESIGN.md §2, "API conventions").

Choices a client can rely on:

- Every response under ``/api/v1/`` is ``application/json; charset=utf-8`` and carries
  ``Access-Control-Allow-Origin: *``: this is open data, any web page may read it. Errors
  have one shape, ``{"error": {"code": ..., "message": ...}}``, also for paths and methods
  the API does not have (404 ``not_found``, 405 ``method_not_allowed``) and for failures
  (500 ``internal_error``).
- Data responses are ``Cache-Control: no-store``: signature counts and statuses change
  with every signature, and a cached page would contradict what the chat bot says a
  moment later. The OpenAPI document only changes with a release, so it may be cached
  for a few minutes.
- Only published petitions are public: ``open``, ``awaiting_answer``, ``answered`` and
  ``closed``. A petition in ``moderation`` or ``rejected`` is 404 exactly like an id that
  does not exist, so the API does not even reveal that it exists. No citizen id, phone
  data or rejection reason is ever part of a response.
- Every authority is public, with its contacts, petition rules and statistics of the
  requests for public information filed with it (counted at the time of the request by
  ``civic.authority_stats``). Only counts: never who asked or what.
- ``GET /api/v1/{petitions,authorities}/{id}`` with an id that is not a positive decimal
  integer is 404 (``not_found``), not 400: no resource lives at that path, as for any
  unknown id.
- A list is ``{"items": [...], "next": URL or null}``: petitions newest id first,
  authorities by id ascending. ``next`` is the request's own absolute URL with ``cursor``
  set to the last id of the page (keyset pagination: stable while rows are added). Query
  parameters are strict: a value that is empty, malformed, out of range or given twice is
  400 ``bad_request``; parameters the API does not know are ignored.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import MultiMapping
from yarl import URL

from bot.web import openapi
from bot.web.keys import CLOCK_KEY, DATABASE_KEY, PUBLIC_URL_KEY
from civic.authority_stats import AuthorityRecord, AuthorityStatistics
from civic.petitions import Petitions, PetitionView
from storage.models import Authority, AuthorityLevel, PetitionStatus

API_PREFIX = "/api/v1"

# Statuses a petition has once a moderator published it; the others are never public.
PUBLIC_STATUSES: tuple[PetitionStatus, ...] = (
    PetitionStatus.OPEN,
    PetitionStatus.AWAITING_ANSWER,
    PetitionStatus.ANSWERED,
    PetitionStatus.CLOSED,
)
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Ids are BIGINT on PostgreSQL: a larger number can name no row (and asyncpg would refuse it).
MAX_ID = 2**63 - 1

NO_STORE = "no-store"
DOCUMENT_CACHE = "public, max-age=300"

_DECIMAL = re.compile(r"[0-9]{1,19}")
_ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    500: "internal_error",
}

logger = logging.getLogger(__name__)

_dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


class BadRequest(Exception):
    """A query parameter the API cannot accept; becomes 400 ``bad_request``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- responses -------------------------------------------------------------------------


def json_response(data: Any, *, status: int = 200, cache_control: str = NO_STORE) -> web.Response:
    response = web.json_response(data, status=status, dumps=_dumps)
    response.headers["Cache-Control"] = cache_control
    return response


def error_response(status: int, code: str, message: str) -> web.Response:
    return json_response({"error": {"code": code, "message": message}}, status=status)


def _error_code(status: int, reason: str) -> str:
    return _ERROR_CODES.get(status) or re.sub(r"[^a-z0-9]+", "_", reason.lower()).strip("_")


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """JSON errors and CORS for every path under ``/api/v1``; other paths pass untouched."""
    if request.path != API_PREFIX and not request.path.startswith(API_PREFIX + "/"):
        return await handler(request)
    try:
        response = await handler(request)
    except BadRequest as exc:
        response = error_response(400, "bad_request", exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error_response(exc.status, _error_code(exc.status, exc.reason), exc.reason)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
    except Exception:
        logger.exception("open-data API request failed: %s %s", request.method, request.path)
        response = error_response(500, "internal_error", "The server could not answer.")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- representations -------------------------------------------------------------------


def _timestamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def authority_json(authority: Authority) -> dict[str, Any]:
    """The authority as a petition names it (``Authority`` in the OpenAPI document)."""
    return {
        "id": authority.id,
        "name_uk": authority.name_uk,
        "name_en": authority.name_en,
        "level": authority.level.value,
        "region": authority.region,
    }


def authority_profile_json(record: AuthorityRecord) -> dict[str, Any]:
    """An authority of the directory (``AuthorityProfile``): contacts, petition rules and
    request statistics. The statistics are counts only, nothing about requesters."""
    authority, stats = record.authority, record.requests
    return {
        **authority_json(authority),
        "address": authority.address,
        "phone": authority.phone,
        "request_email": authority.request_email,
        "website": authority.website,
        "public_council_url": authority.public_council_url,
        "petition_rules": {
            "threshold": authority.petition_threshold,
            "period_months": authority.petition_period_months,
            "period_days": authority.petition_period_days,
        },
        "information_requests": {
            "received": stats.received,
            "answered": stats.answered,
            "answered_on_time": stats.answered_on_time,
            "refused": stats.refused,
            "withdrawn": stats.withdrawn,
            "open": stats.open,
            "overdue": stats.overdue,
        },
    }


def petition_json(view: PetitionView) -> dict[str, Any]:
    """The public face of a petition: no citizen id, no rejection reason."""
    petition = view.petition
    return {
        "id": petition.id,
        "title": petition.title,
        "body": petition.body,
        "status": petition.status.value,
        "signature_count": view.signature_count,
        "threshold": petition.threshold,
        "authority": authority_json(petition.authority),
        "author_name": petition.author_name,
        "published_at": _timestamp(petition.published_at),
        "closes_at": _timestamp(petition.closes_at),
        "threshold_reached_at": _timestamp(petition.threshold_reached_at),
        "answered_at": _timestamp(petition.answered_at),
        "answer_text": petition.answer_text,
    }


# --- query parameters ------------------------------------------------------------------


def _single(query: MultiMapping[str], name: str) -> str | None:
    values = query.getall(name, [])
    if not values:
        return None
    if len(values) > 1:
        raise BadRequest(f"'{name}' may be given only once")
    value: str = values[0]
    return value


def _integer(query: MultiMapping[str], name: str, minimum: int, maximum: int) -> int | None:
    raw = _single(query, name)
    if raw is None:
        return None
    if not _DECIMAL.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        raise BadRequest(f"'{name}' must be an integer from {minimum} to {maximum}")
    return int(raw)


def _path_id(raw: str) -> int | None:
    """A path id as a positive integer, or None when no resource can have it."""
    if not _DECIMAL.fullmatch(raw) or not 1 <= int(raw) <= MAX_ID:
        return None
    return int(raw)


@dataclass(frozen=True, slots=True)
class PetitionListQuery:
    cursor: int | None
    limit: int
    status: PetitionStatus | None
    authority_id: int | None

    @classmethod
    def parse(cls, query: MultiMapping[str]) -> PetitionListQuery:
        limit = _integer(query, "limit", 1, MAX_LIMIT)
        raw_status = _single(query, "status")
        status: PetitionStatus | None = None
        if raw_status is not None:
            public: Mapping[str, PetitionStatus] = {s.value: s for s in PUBLIC_STATUSES}
            if raw_status not in public:
                raise BadRequest("'status' must be one of " + ", ".join(public))
            status = public[raw_status]
        return cls(
            cursor=_integer(query, "cursor", 1, MAX_ID),
            limit=DEFAULT_LIMIT if limit is None else limit,
            status=status,
            authority_id=_integer(query, "authority_id", 1, MAX_ID),
        )


@dataclass(frozen=True, slots=True)
class AuthorityListQuery:
    cursor: int | None
    limit: int
    level: AuthorityLevel | None
    region: str | None

    @classmethod
    def parse(cls, query: MultiMapping[str]) -> AuthorityListQuery:
        limit = _integer(query, "limit", 1, MAX_LIMIT)
        raw_level = _single(query, "level")
        level: AuthorityLevel | None = None
        if raw_level is not None:
            levels: Mapping[str, AuthorityLevel] = {lv.value: lv for lv in AuthorityLevel}
            if raw_level not in levels:
                raise BadRequest("'level' must be one of " + ", ".join(levels))
            level = levels[raw_level]
        region = _single(query, "region")
        if region == "":
            raise BadRequest("'region' must not be empty")
        return cls(
            cursor=_integer(query, "cursor", 1, MAX_ID),
            limit=DEFAULT_LIMIT if limit is None else limit,
            level=level,
            region=region,
        )


# --- handlers --------------------------------------------------------------------------


def _public(request: web.Request) -> URL:
    """The request's URL as the public sees it: under VZ_PUBLIC_URL when that is set."""
    public_url = request.app.get(PUBLIC_URL_KEY)
    if public_url is None:
        return request.url
    return URL(public_url + request.rel_url.path).with_query(request.rel_url.query)


def _next_page(request: web.Request, last_id: int) -> str:
    """This request's public URL with ``cursor`` moved to the last id of its page."""
    return str(_public(request).update_query({"cursor": str(last_id)}))


async def list_petitions(request: web.Request) -> web.Response:
    """``GET /api/v1/petitions``: published petitions, newest id first."""
    query = PetitionListQuery.parse(request.query)
    statuses = PUBLIC_STATUSES if query.status is None else (query.status,)
    async with request.app[DATABASE_KEY].reading() as session:
        views, more = await Petitions(session).published_page(
            statuses=statuses,
            cursor=query.cursor,
            limit=query.limit,
            authority_id=query.authority_id,
        )
        items = [petition_json(view) for view in views]
    next_url = _next_page(request, views[-1].petition.id) if more and views else None
    return json_response({"items": items, "next": next_url})


async def get_petition(request: web.Request) -> web.Response:
    """``GET /api/v1/petitions/{id}``: one published petition, else 404."""
    petition_id = _path_id(request.match_info["id"])
    body: dict[str, Any] | None = None
    if petition_id is not None:
        async with request.app[DATABASE_KEY].reading() as session:
            view = await Petitions(session).get(petition_id)
            if view is not None and view.petition.status in PUBLIC_STATUSES:
                body = petition_json(view)
    if body is None:
        return error_response(404, "not_found", "No published petition has this id.")
    return json_response(body)


async def list_authorities(request: web.Request) -> web.Response:
    """``GET /api/v1/authorities``: the directory by id, with request statistics."""
    query = AuthorityListQuery.parse(request.query)
    now = request.app[CLOCK_KEY].now()
    async with request.app[DATABASE_KEY].reading() as session:
        records, more = await AuthorityStatistics(session).page(
            now=now,
            cursor=query.cursor,
            limit=query.limit,
            level=query.level,
            region=query.region,
        )
        items = [authority_profile_json(record) for record in records]
    next_url = _next_page(request, records[-1].authority.id) if more and records else None
    return json_response({"items": items, "next": next_url})


async def get_authority(request: web.Request) -> web.Response:
    """``GET /api/v1/authorities/{id}``: one authority with request statistics, else 404."""
    authority_id = _path_id(request.match_info["id"])
    body: dict[str, Any] | None = None
    if authority_id is not None:
        now = request.app[CLOCK_KEY].now()
        async with request.app[DATABASE_KEY].reading() as session:
            record = await AuthorityStatistics(session).get(authority_id, now)
            if record is not None:
                body = authority_profile_json(record)
    if body is None:
        return error_response(404, "not_found", "No authority has this id.")
    return json_response(body)


def _openapi_handler(document: bytes) -> Handler:
    async def serve_openapi(request: web.Request) -> web.Response:
        """``GET /api/v1/openapi.json``: the OpenAPI 3.1 description of this API."""
        return web.Response(
            body=document,
            content_type="application/json",
            charset="utf-8",
            headers={"Cache-Control": DOCUMENT_CACHE},
        )

    return serve_openapi


def add_routes(app: web.Application) -> None:
    """Register the open-data API and its middleware (JSON errors, CORS) on ``app``."""
    document = openapi.build_document(
        public_statuses=[status.value for status in PUBLIC_STATUSES],
        authority_levels=[level.value for level in AuthorityLevel],
        default_limit=DEFAULT_LIMIT,
        max_limit=MAX_LIMIT,
    )
    app.middlewares.append(api_middleware)
    app.router.add_get(f"{API_PREFIX}/petitions", list_petitions)
    app.router.add_get(f"{API_PREFIX}/petitions/{{id}}", get_petition)
    app.router.add_get(f"{API_PREFIX}/authorities", list_authorities)
    app.router.add_get(f"{API_PREFIX}/authorities/{{id}}", get_authority)
    app.router.add_get(
        f"{API_PREFIX}/openapi.json", _openapi_handler(_dumps(document).encode("utf-8"))
    )
