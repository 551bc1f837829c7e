"""The read-only public open-data API under ``/api/v1`` (DESIGN.md §2, "API conventions"),
served from the routes the modules declare (``bot.web.routes``).

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
- A path id that is not a positive decimal integer is 404 (``not_found``), not 400: no
  resource lives at that path, as for any unknown id.
- A list is ``{"items": [...], "next": URL or null}``. ``next`` is the request's own
  absolute URL with ``cursor`` set to the last id of the page (keyset pagination: stable
  while rows are added). Query parameters are strict (``bot.web.routes``).
- Every response body is its route's pydantic model, the same model the OpenAPI document
  takes its schema from.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel

from bot.web import openapi
from bot.web.keys import CLOCK_KEY, DATABASE_KEY, PUBLIC_URL_KEY
from bot.web.routes import API_PREFIX, MAX_ID, ApiCall, ApiRoute, BadRequest, BinaryBody

NO_STORE = "no-store"
DOCUMENT_CACHE = "public, max-age=300"
# A file (a candidate's photo) changes rarely and only before an election opens.
FILE_CACHE = "public, max-age=300"

_DECIMAL = re.compile(r"[0-9]{1,19}")
_ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    500: "internal_error",
}

logger = logging.getLogger(__name__)


def _json(body: bytes, status: int = 200, cache_control: str = NO_STORE) -> web.Response:
    return web.Response(
        body=body,
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers={"Cache-Control": cache_control},
    )


def error_response(status: int, code: str, message: str) -> web.Response:
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False)
    return _json(body.encode("utf-8"), status)


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


def _path_id(raw: str) -> int | None:
    """A path id as a positive integer, or None when no resource can have it."""
    if not _DECIMAL.fullmatch(raw) or not 1 <= int(raw) <= MAX_ID:
        return None
    return int(raw)


def _query(route: ApiRoute, request: web.Request) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for parameter in route.query:
        given = request.query.getall(parameter.name, [])
        if len(given) > 1:
            raise BadRequest(f"'{parameter.name}' may be given only once")
        values[parameter.name] = parameter.read(given[0]) if given else None
    return values


def serve(route: ApiRoute) -> Handler:
    """The aiohttp handler of one declared route."""

    async def handle(request: web.Request) -> web.Response:
        query = _query(route, request)
        item_id: int | None = None
        if route.has_id:
            item_id = _path_id(request.match_info["id"])
            if item_id is None:
                return error_response(404, "not_found", route.not_found)
        call = ApiCall(
            request=request,
            query=query,
            id=item_id,
            database=request.app[DATABASE_KEY],
            now=request.app[CLOCK_KEY].now(),
            public_url=request.app.get(PUBLIC_URL_KEY),
        )
        body: BaseModel | None = await route.handler(call)
        if body is None:
            return error_response(404, "not_found", route.not_found)
        if isinstance(body, BinaryBody):
            return web.Response(
                body=body.content,
                content_type=body.media_type,
                headers={"Cache-Control": FILE_CACHE, "X-Content-Type-Options": "nosniff"},
            )
        return _json(body.model_dump_json().encode("utf-8"))

    handle.__doc__ = f"``GET {route.full_path}``: {route.summary}."
    return handle


def _openapi_handler(document: bytes) -> Handler:
    async def serve_openapi(request: web.Request) -> web.Response:
        """``GET /api/v1/openapi.json``: the OpenAPI 3.1 description of this API."""
        return _json(document, cache_control=DOCUMENT_CACHE)

    return serve_openapi


def add_routes(app: web.Application, routes: Sequence[ApiRoute]) -> None:
    """Register the modules' open-data routes, their OpenAPI document and the middleware
    (JSON errors, CORS) on ``app``."""
    document = openapi.build_document(routes)
    app.middlewares.append(api_middleware)
    for route in routes:
        app.router.add_get(route.full_path, serve(route))
    encoded = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    app.router.add_get(f"{API_PREFIX}/openapi.json", _openapi_handler(encoded))
