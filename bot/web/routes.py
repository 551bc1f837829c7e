"""An open-data route as a module declares it: path, documentation, query parameters,
response model and handler. ``bot.web.api`` serves the routes and ``bot.web.openapi``
writes the OpenAPI document from the same declarations, so the two cannot drift apart.

Query parameters are strict: a value that is empty, malformed, out of range or given
twice is 400 ``bad_request`` with a message naming the parameter; parameters the API does
not know are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from yarl import URL

from storage.db import Database

API_PREFIX = "/api/v1"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Ids are BIGINT on PostgreSQL: a larger number can name no row (and asyncpg would refuse it).
MAX_ID = 2**63 - 1

_DECIMAL = re.compile(r"[0-9]{1,19}")


class BadRequest(Exception):
    """A query parameter the API cannot accept; becomes 400 ``bad_request``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BinaryBody(BaseModel):
    """A route's answer that is a file (a candidate's photo), not JSON."""

    content: bytes
    media_type: str


@dataclass(frozen=True, slots=True)
class Parameter:
    """A query parameter: its documentation (a JSON Schema) and how a value is read."""

    name: str
    description: str
    schema: Mapping[str, Any]
    read: Callable[[str], Any]  # raises BadRequest with a message naming the parameter


def id_parameter(name: str, description: str) -> Parameter:
    def read(raw: str) -> int:
        if not _DECIMAL.fullmatch(raw) or not 1 <= int(raw) <= MAX_ID:
            raise BadRequest(f"'{name}' must be an integer from 1 to {MAX_ID}")
        return int(raw)

    return Parameter(name, description, {"type": "integer", "minimum": 1, "maximum": MAX_ID}, read)


def limit_parameter() -> Parameter:
    def read(raw: str) -> int:
        if not _DECIMAL.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
            raise BadRequest(f"'limit' must be an integer from 1 to {MAX_LIMIT}")
        return int(raw)

    schema = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}
    return Parameter("limit", "Page size.", schema, read)


def choice_parameter(name: str, description: str, values: Sequence[str]) -> Parameter:
    def read(raw: str) -> str:
        if raw not in values:
            raise BadRequest(f"'{name}' must be one of " + ", ".join(values))
        return raw

    return Parameter(name, description, {"type": "string", "enum": list(values)}, read)


def text_parameter(name: str, description: str) -> Parameter:
    def read(raw: str) -> str:
        if raw == "":
            raise BadRequest(f"'{name}' must not be empty")
        return raw

    return Parameter(name, description, {"type": "string", "minLength": 1}, read)


@dataclass(frozen=True, slots=True)
class ApiTag:
    name: str
    description: str


@dataclass
class ApiCall:
    """What a route's handler gets: its parsed query and path id, the database, the time,
    and the request (for links to further pages)."""

    request: web.Request
    query: Mapping[str, Any]
    id: int | None
    database: Database
    now: datetime
    public_url: str | None

    def next_page(self, last_id: int) -> str:
        """This request's public URL with ``cursor`` moved to the last id of its page."""
        return str(self.public().update_query({"cursor": str(last_id)}))

    def public_link(self, path: str) -> str:
        """An absolute URL of another path of this API, as the public sees it."""
        return str(self.public().with_path(API_PREFIX + path).with_query(None))

    def public(self) -> URL:
        """The request's URL as the public sees it: under VZ_PUBLIC_URL when that is set."""
        if self.public_url is None:
            return self.request.url
        url = URL(self.public_url + self.request.rel_url.path)
        return url.with_query(self.request.rel_url.query)


@dataclass(frozen=True)
class ApiRoute:
    """``GET API_PREFIX + path``. A path with ``{id}`` reads a positive integer id (any
    other value is 404, as an unknown id); a handler returning None is 404 with
    ``not_found`` as the message."""

    path: str
    operation_id: str
    tag: ApiTag
    summary: str
    description: str
    response: type[BaseModel]
    handler: Callable[[ApiCall], Awaitable[BaseModel | None]]
    query: Sequence[Parameter] = ()
    id_description: str | None = None
    not_found: str = "No public item has this id."
    # Further path parts read as text, (name, description): ``/elections/{id}/receipts/
    # {code}``; the handler reads ``call.request.match_info[name]``.
    text_path: Sequence[tuple[str, str]] = ()
    # A file route: its handler answers a ``BinaryBody`` of one of these media types,
    # served as such (not JSON) and documented so.
    media_types: Sequence[str] = ()

    @property
    def full_path(self) -> str:
        return API_PREFIX + self.path

    @property
    def has_id(self) -> bool:
        return "{id}" in self.path
