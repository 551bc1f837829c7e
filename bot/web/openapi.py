"""The OpenAPI 3.1 document of the open-data API, served at ``/api/v1/openapi.json``.

Written out as data rather than generated, so the document is the reviewed contract. The
few values the code also enforces (public statuses, authority levels, page sizes) are
passed in by
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


def _count(description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "description": description}


def _authority_properties(authority_levels: Sequence[str]) -> dict[str, Any]:
    """What every representation of an authority has (``Authority``)."""
    return {
        "id": {"type": "integer", "minimum": 1},
        "name_uk": {"type": "string", "description": "Name in Ukrainian."},
        "name_en": {"type": "string", "description": "Name in English."},
        "level": {"type": "string", "enum": list(authority_levels)},
        "region": _nullable("string", "Region (oblast); null for national bodies."),
    }


def _authority_profile(authority_levels: Sequence[str]) -> dict[str, Any]:
    properties = {
        **_authority_properties(authority_levels),
        "address": _nullable("string", "Postal address."),
        "phone": _nullable("string", "The authority's public telephone number."),
        "request_email": _nullable(
            "string", "Where requests for public information to the authority go."
        ),
        "website": _nullable("string", "The authority's website."),
        "public_council_url": _nullable("string", "The page of its public council."),
        "petition_rules": _ref("PetitionRules"),
        "information_requests": _ref("RequestStatistics"),
    }
    return {
        "type": "object",
        "description": (
            "A public authority of the directory: contacts, the rules of petitions to it, "
            "and how it handles requests for public information."
        ),
        "required": list(properties),
        "properties": properties,
    }


def _schemas(public_statuses: Sequence[str], authority_levels: Sequence[str]) -> dict[str, Any]:
    properties = _authority_properties(authority_levels)
    return {
        "Authority": {
            "type": "object",
            "description": "A public authority that petitions are addressed to.",
            "required": list(properties),
            "properties": properties,
        },
        "AuthorityProfile": _authority_profile(authority_levels),
        "AuthorityList": {
            "type": "object",
            "required": ["items", "next"],
            "properties": {
                "items": {"type": "array", "items": _ref("AuthorityProfile")},
                "next": _nullable(
                    "string",
                    "Absolute URL of the next page, or null on the last page.",
                    format="uri",
                ),
            },
        },
        "PetitionRules": {
            "type": "object",
            "description": (
                "What a petition to the authority needs. Exactly one of `period_months` "
                "and `period_days` is set."
            ),
            "required": ["threshold", "period_months", "period_days"],
            "properties": {
                "threshold": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Signatures needed for the authority to have to answer.",
                },
                "period_months": _nullable("integer", "Collection period in months."),
                "period_days": _nullable("integer", "Collection period in days."),
            },
        },
        "RequestStatistics": {
            "type": "object",
            "description": (
                "Requests for public information filed with the authority through this "
                "platform, counted at the time of the API request. Counts only: nothing "
                "about who asked or what."
            ),
            "required": [
                "received",
                "answered",
                "answered_on_time",
                "refused",
                "withdrawn",
                "open",
                "overdue",
            ],
            "properties": {
                "received": _count("Every request filed, whatever its state."),
                "answered": _count("Answered in full or in part."),
                "answered_on_time": _count(
                    "Of the answered ones, those answered no later than their due time."
                ),
                "refused": _count("Refused on a ground the law allows."),
                "withdrawn": _count("Withdrawn by the citizen."),
                "open": _count(
                    "Awaiting the answer: submitted, extended, or waiting for the "
                    "citizen's clarification."
                ),
                "overdue": _count(
                    "Open, past the due time, and not waiting for a clarification (which "
                    "stops the clock)."
                ),
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


def _limit_parameter(default_limit: int, max_limit: int) -> dict[str, Any]:
    return {
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
    }


def build_document(
    *,
    public_statuses: Sequence[str],
    authority_levels: Sequence[str],
    default_limit: int,
    max_limit: int,
) -> dict[str, Any]:
    """The whole OpenAPI document as a fresh dict (callers may extend their copy)."""
    error_responses = {
        "BadRequest": {
            "description": "A query parameter is empty, malformed, out of range or repeated.",
            "headers": {"Access-Control-Allow-Origin": _CORS_HEADER},
            "content": _json_content(_ref("Error")),
        },
        "NotFound": {
            "description": "No public item has this id.",
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
                "e-petitions with their live signature counts, and the directory of "
                "authorities with statistics of the requests for public information "
                "they received. JSON in UTF-8, timestamps "
                "ISO 8601 with an offset, ids and counts integers. Errors are "
                '`{"error": {"code": ..., "message": ...}}`.'
            ),
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "tags": [
            {"name": "petitions", "description": "Published e-petitions."},
            {
                "name": "authorities",
                "description": "The directory of authorities, with request statistics.",
            },
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
                        _limit_parameter(default_limit, max_limit),
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
            "/api/v1/authorities": {
                "get": {
                    "operationId": "listAuthorities",
                    "tags": ["authorities"],
                    "summary": "List authorities by id",
                    "description": (
                        "Keyset pagination by id, ascending: follow `next` until it is "
                        "null. Request statistics are counted at the time of the request. "
                        "Unknown query parameters are ignored."
                    ),
                    "parameters": [
                        _id_parameter(
                            "cursor", "Return only authorities whose id is above this one."
                        ),
                        _limit_parameter(default_limit, max_limit),
                        {
                            "name": "level",
                            "in": "query",
                            "required": False,
                            "description": "Only authorities of this level.",
                            "schema": {"type": "string", "enum": list(authority_levels)},
                        },
                        {
                            "name": "region",
                            "in": "query",
                            "required": False,
                            "description": "Only authorities of exactly this region.",
                            "schema": {"type": "string", "minLength": 1},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of authorities.",
                            "headers": data_headers,
                            "content": _json_content(_ref("AuthorityList")),
                        },
                        "400": {"$ref": "#/components/responses/BadRequest"},
                    },
                }
            },
            "/api/v1/authorities/{id}": {
                "get": {
                    "operationId": "getAuthority",
                    "tags": ["authorities"],
                    "summary": "One authority with its request statistics",
                    "description": "An id that is not a positive integer is 404.",
                    "parameters": [_id_parameter("id", "The authority's id.", "path")],
                    "responses": {
                        "200": {
                            "description": "The authority.",
                            "headers": data_headers,
                            "content": _json_content(_ref("AuthorityProfile")),
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
        "components": {
            "schemas": _schemas(public_statuses, authority_levels),
            "responses": error_responses,
        },
    }
