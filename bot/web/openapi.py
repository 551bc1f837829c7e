"""The OpenAPI 3.1 document of the open-data API, served at ``/api/v1/openapi.json``.

Written out as data rather than generated, so the document is the reviewed contract. The
few values the code also enforces (public statuses, page sizes) are passed in by
``bot.web.api`` so the two cannot drift apart. Schemas are JSON Schema 2020-12, as
OpenAPI 3.1 uses it: nullable fields are ``"type": [..., "null"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _nullable(kind: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], "description": description, **extra}


def _timestamp(description: str) -> dict[str, Any]:
    return _nullable("string", description, format="date-time")


_CORS_HEADER = {
    "description": "Always `*`: this is open data, any web page may read it.",
    "schema": {"type": "string", "const": "*"},
}
_NO_STORE_HEADER = {
    "description": "`no-store`: counts and statuses change with every signature.",
    "schema": {"type": "string"},
}


def _schemas(public_statuses: Sequence[str]) -> dict[str, Any]:
    return {
        "Authority": {
            "type": "object",
            "description": "A public authority that petitions are addressed to.",
            "required": ["id", "name_uk", "name_en", "level", "region"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "name_uk": {"type": "string", "description": "Name in Ukrainian."},
                "name_en": {"type": "string", "description": "Name in English."},
                "level": {"type": "string", "enum": ["national", "regional", "local"]},
                "region": _nullable("string", "Region (oblast); null for national bodies."),
            },
        },
        "Petition": {
            "type": "object",
            "description": (
                "A published e-petition (Law of Ukraine 'On Citizens' Appeals', art. 23-1). "
                "Petitions in moderation or rejected are not public."
            ),
            "required": [
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
            ],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "title": {"type": "string"},
                "body": {"type": "string"},
                "status": {
                    "type": "string",
                    "enum": list(public_statuses),
                    "description": (
                        "`open`: collecting signatures; `awaiting_answer`: reached the "
                        "threshold, the authority's answer is due; `answered`: the "
                        "authority answered; `closed`: the period ended below the threshold."
                    ),
                },
                "signature_count": {"type": "integer", "minimum": 0},
                "threshold": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Signatures needed for the authority to have to answer.",
                },
                "authority": _ref("Authority"),
                "author_name": {
                    "type": "string",
                    "description": "The name the author chose to publish.",
                },
                "published_at": _timestamp("When signature collection started."),
                "closes_at": _timestamp("When signature collection ends."),
                "threshold_reached_at": _timestamp("When the count reached the threshold."),
                "answered_at": _timestamp("When the authority answered."),
                "answer_text": _nullable("string", "The authority's answer."),
            },
        },
        "PetitionList": {
            "type": "object",
            "required": ["items", "next"],
            "properties": {
                "items": {"type": "array", "items": _ref("Petition")},
                "next": _nullable(
                    "string",
                    "Absolute URL of the next page, or null on the last page.",
                    format="uri",
                ),
            },
        },
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {
                            "type": "string",
                            "description": (
                                "Stable machine-readable code: `bad_request`, `not_found`, "
                                "`method_not_allowed`, `internal_error`."
                            ),
                        },
                        "message": {"type": "string", "description": "For humans, English."},
                    },
                }
            },
        },
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"type": "string"}},
        },
    }


def _id_parameter(name: str, description: str, location: str = "query") -> dict[str, Any]:
    return {
        "name": name,
        "in": location,
        "required": location == "path",
        "description": description,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    }


def build_document(
    *, public_statuses: Sequence[str], default_limit: int, max_limit: int
) -> dict[str, Any]:
    """The whole OpenAPI document as a fresh dict (callers may extend their copy)."""
    error_responses = {
        "BadRequest": {
            "description": "A query parameter is empty, malformed, out of range or repeated.",
            "headers": {"Access-Control-Allow-Origin": _CORS_HEADER},
            "content": _json_content(_ref("Error")),
        },
        "NotFound": {
            "description": "No published item has this id.",
            "headers": {"Access-Control-Allow-Origin": _CORS_HEADER},
            "content": _json_content(_ref("Error")),
        },
    }
    data_headers = {
        "Access-Control-Allow-Origin": _CORS_HEADER,
        "Cache-Control": _NO_STORE_HEADER,
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "VzayemoDiia open data API",
            "version": API_VERSION,
            "description": (
                "Read-only open data of the VzayemoDiia e-democracy chat: published "
                "e-petitions with their live signature counts. JSON in UTF-8, timestamps "
                "ISO 8601 with an offset, ids and counts integers. Errors are "
                '`{"error": {"code": ..., "message": ...}}`.'
            ),
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "tags": [
            {"name": "petitions", "description": "Published e-petitions."},
            {"name": "service", "description": "Health and this description."},
        ],
        "paths": {
            "/api/v1/petitions": {
                "get": {
                    "operationId": "listPetitions",
                    "tags": ["petitions"],
                    "summary": "List published petitions, newest first",
                    "description": (
                        "Keyset pagination by id, descending: follow `next` until it is "
                        "null. Unknown query parameters are ignored."
                    ),
                    "parameters": [
                        _id_parameter(
                            "cursor", "Return only petitions whose id is below this one."
                        ),
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "description": "Page size.",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": max_limit,
                                "default": default_limit,
                            },
                        },
                        {
                            "name": "status",
                            "in": "query",
                            "required": False,
                            "description": "Only petitions in this status.",
                            "schema": {"type": "string", "enum": list(public_statuses)},
                        },
                        _id_parameter(
                            "authority_id", "Only petitions addressed to this authority."
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of petitions.",
                            "headers": data_headers,
                            "content": _json_content(_ref("PetitionList")),
                        },
                        "400": {"$ref": "#/components/responses/BadRequest"},
                    },
                }
            },
            "/api/v1/petitions/{id}": {
                "get": {
                    "operationId": "getPetition",
                    "tags": ["petitions"],
                    "summary": "One published petition",
                    "description": (
                        "Petitions in moderation or rejected are 404, as is an id that is "
                        "not a positive integer."
                    ),
                    "parameters": [_id_parameter("id", "The petition's id.", "path")],
                    "responses": {
                        "200": {
                            "description": "The petition.",
                            "headers": data_headers,
                            "content": _json_content(_ref("Petition")),
                        },
                        "404": {"$ref": "#/components/responses/NotFound"},
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApiDocument",
                    "tags": ["service"],
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
                    "tags": ["service"],
                    "summary": "Whether the server and its database answer",
                    "responses": {
                        "200": {
                            "description": "The database answers.",
                            "content": _json_content(_ref("Health")),
                        },
                        "503": {
                            "description": "The database does not answer.",
                            "content": _json_content(_ref("Health")),
                        },
                    },
                }
            },
        },
        "components": {"schemas": _schemas(public_statuses), "responses": error_responses},
    }
