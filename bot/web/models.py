"""Field types the open-data models share: timestamps, counts, ids."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema

from bot.web.routes import MAX_ID

# ISO 8601 with the offset written out ("2026-11-27T10:00:00+00:00"), as datetime gives it.
Timestamp = Annotated[
    datetime,
    PlainSerializer(lambda value: value.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
ItemId = Annotated[int, Field(ge=1, le=MAX_ID)]
# A list's ``next``: every list is ``{"items": [...], "next": URL or null}``.
NextPage = Annotated[
    str | None,
    Field(
        description="Absolute URL of the next page, or null on the last page.",
        json_schema_extra={"format": "uri"},
    ),
]


def count(description: str) -> int:
    """A count field: a non-negative integer described for the document."""
    described: int = Field(ge=0, description=description)
    return described
