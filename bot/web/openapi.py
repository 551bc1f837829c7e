"""The OpenAPI 3.1 document of the open-data API, served at ``/api/v1/openapi.json``.

Assembled from the routes the modules declare (``bot.web.routes``): each route's path,
parameters and documentation, and the JSON Schema of its pydantic response model
(pydantic's own, in serialization mode, JSON Schema 2020-12 as OpenAPI 3.1 uses it).
Nothing about a resource is written here; a new module's routes appear by being declared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from bot.web.routes import API_PREFIX, MAX_ID, ApiRoute, ApiTag

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
REF_TEMPLATE = "#/components/schemas/{model}"


class ErrorBody(BaseModel):
    code: str = Field(
        description=(
            "Stable machine-readable code: `bad_request`, `not_found`, "
            "`method_not_allowed`, `internal_error`."
        )
    )
    message: str = Field(description="For humans, English.")


class Error(BaseModel):
    """Every error of the API."""

    error: ErrorBody


class Health(BaseModel):
    status: str


SERVICE_TAG = ApiTag("service", "Health and this description.")
_CORS_HEADER = {
    "description": "Always `*`: this is open data, any web page may read it.",
    "schema": {"type": "string", "const": "*"},
}
_NO_STORE_HEADER = {
    "description": "`no-store`: counts and statuses change with every signature.",
    "schema": {"type": "string"},
}


class _Schemas(GenerateJsonSchema):
    """pydantic's JSON Schema without a title on every property (the name says it)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def component_schemas(models: Sequence[type[BaseModel]]) -> dict[str, Any]:
    """The schemas of ``models`` and every model they use, by class name.

    Two different models of one name would overwrite each other's schema: refused.
    """
    by_name: dict[str, type[BaseModel]] = {}
    for model in models:
        other = by_name.setdefault(model.__name__, model)
        if other is not model:
            raise ValueError(
                f"two API models are named {model.__name__!r}: "
                f"{other.__module__} and {model.__module__}"
            )
    _, top = models_json_schema(
        [(model, "serialization") for model in by_name.values()],
        ref_template=REF_TEMPLATE,
        schema_generator=_Schemas,
    )
    schemas: dict[str, Any] = top.get("$defs", {})
    unexpected = [name for name in schemas if "__" in name]
    if unexpected:
        raise ValueError(f"API models with clashing names: {unexpected}")
    return schemas


def _operation(route: ApiRoute) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = []
    if route.has_id:
        parameters.append(
            {
                "name": "id",
                "in": "path",
                "required": True,
                "description": route.id_description or "The item's id.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            }
        )
    parameters += [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": description,
            "schema": {"type": "string", "maxLength": 100},
        }
        for name, description in route.text_path
    ]
    parameters += [
        {
            "name": parameter.name,
            "in": "query",
            "required": False,
            "description": parameter.description,
            "schema": dict(parameter.schema),
        }
        for parameter in route.query
    ]
    responses: dict[str, Any] = {
        "200": {
            "description": route.summary + ".",
            "headers": {
                "Access-Control-Allow-Origin": _CORS_HEADER,
                "Cache-Control": _NO_STORE_HEADER,
            },
            "content": (
                {
                    media: {"schema": {"type": "string", "format": "binary"}}
                    for media in route.media_types
                }
                if route.media_types
                else _json_content(_ref(route.response))
            ),
        }
    }
    if route.query:
        responses["400"] = {"$ref": "#/components/responses/BadRequest"}
    if route.has_id:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    operation: dict[str, Any] = {
        "operationId": route.operation_id,
        "tags": [route.tag.name],
        "summary": route.summary,
        "description": route.description,
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = parameters
    return operation


def _service_paths() -> dict[str, Any]:
    return {
        f"{API_PREFIX}/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "tags": [SERVICE_TAG.name],
                "summary": "This OpenAPI document",
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "content": _json_content({"type": "object"}),
                    }
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "getHealth",
                "tags": [SERVICE_TAG.name],
                "summary": "Whether the server and its database answer",
                "responses": {
                    "200": {
                        "description": "The database answers.",
                        "content": _json_content(_ref(Health)),
                    },
                    "503": {
                        "description": "The database does not answer.",
                        "content": _json_content(_ref(Health)),
                    },
                },
            }
        },
    }


def build_document(routes: Sequence[ApiRoute]) -> dict[str, Any]:
    """The whole OpenAPI document for ``routes``, as a fresh dict."""
    paths: dict[str, Any] = {}
    for route in routes:
        if route.full_path in paths:
            raise ValueError(f"two API routes are declared at {route.full_path}")
        paths[route.full_path] = {"get": _operation(route)}
    paths.update(_service_paths())
    tags: dict[str, ApiTag] = {}
    for tag in [route.tag for route in routes] + [SERVICE_TAG]:
        tags.setdefault(tag.name, tag)
    error_headers = {"Access-Control-Allow-Origin": _CORS_HEADER}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "VzayemoDiia open data API",
            "version": API_VERSION,
            "description": (
                "Read-only open data of the VzayemoDiia e-democracy chat. JSON in UTF-8, "
                "timestamps ISO 8601 with an offset, ids and counts integers. A list is "
                '`{"items": [...], "next": URL or null}`. Errors are '
                '`{"error": {"code": ..., "message": ...}}`.'
            ),
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "tags": [{"name": tag.name, "description": tag.description} for tag in tags.values()],
        "paths": paths,
        "components": {
            "schemas": component_schemas(
                [*(route.response for route in routes if not route.media_types), Error, Health]
            ),
            "responses": {
                "BadRequest": {
                    "description": (
                        "A query parameter is empty, malformed, out of range or repeated."
                    ),
                    "headers": error_headers,
                    "content": _json_content(_ref(Error)),
                },
                "NotFound": {
                    "description": "No public item has this id.",
                    "headers": error_headers,
                    "content": _json_content(_ref(Error)),
                },
            },
        },
    }
