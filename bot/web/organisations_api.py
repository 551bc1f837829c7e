"""Open data of the stakeholder base: ``GET /api/v1/organisations`` and ``/{id}``. An
organisation is a legal person; its fields are public registry facts."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from bot.web.models import ItemId, NextPage
from bot.web.routes import (
    DEFAULT_LIMIT,
    ApiCall,
    ApiRoute,
    ApiTag,
    choice_parameter,
    id_parameter,
    limit_parameter,
    text_parameter,
)
from civic.organisations import listing
from storage.organisation_models import Organisation as OrganisationRow

TAG = ApiTag(
    "organisations",
    "Civil-society organisations, which nominate candidates to public council elections.",
)


class Organisation(BaseModel):
    """A civil-society organisation of the stakeholder base."""

    model_config = ConfigDict(from_attributes=True)

    id: ItemId
    name: str
    edrpou: str = Field(description="Its code in the Unified State Register (8 digits).")
    region: str | None = Field(description="Its region, if given.")
    contacts: str | None = Field(description="The organisation's own public contacts.")
    registered_on: date | None = Field(description="When it was registered.")
    verified: bool = Field(
        description="Checked against the register by an official; only a verified "
        "organisation nominates candidates."
    )


class OrganisationList(BaseModel):
    items: list[Organisation]
    next: NextPage


async def list_organisations(call: ApiCall) -> OrganisationList:
    """Organisations by id ascending."""
    query = call.query
    verified = {"true": True, "false": False}.get(query["verified"] or "")
    limit = query["limit"] or DEFAULT_LIMIT
    statement = listing(query["q"] or "", query["region"], verified).order_by(None)
    if query["cursor"] is not None:
        statement = statement.where(OrganisationRow.id > query["cursor"])
    async with call.database.reading() as session:
        rows = list(await session.scalars(statement.order_by(OrganisationRow.id).limit(limit + 1)))
    items = [Organisation.model_validate(row) for row in rows[:limit]]
    more = len(rows) > limit
    return OrganisationList(items=items, next=call.next_page(items[-1].id) if more else None)


async def get_organisation(call: ApiCall) -> Organisation | None:
    assert call.id is not None
    async with call.database.reading() as session:
        row = await session.scalar(select(OrganisationRow).where(OrganisationRow.id == call.id))
        return None if row is None else Organisation.model_validate(row)


ROUTES = (
    ApiRoute(
        path="/organisations",
        operation_id="listOrganisations",
        tag=TAG,
        summary="List organisations by id",
        description=(
            "Keyset pagination by id, ascending: follow `next` until it is null. Unknown "
            "query parameters are ignored."
        ),
        response=OrganisationList,
        handler=list_organisations,
        query=(
            id_parameter("cursor", "Return only organisations whose id is above this one."),
            limit_parameter(),
            text_parameter("q", "Only organisations with every word in the name or code."),
            text_parameter("region", "Only organisations of exactly this region."),
            choice_parameter("verified", "Only verified, or only unverified.", ["true", "false"]),
        ),
    ),
    ApiRoute(
        path="/organisations/{id}",
        operation_id="getOrganisation",
        tag=TAG,
        summary="One organisation",
        description="An id that is not a positive integer is 404.",
        response=Organisation,
        handler=get_organisation,
        id_description="The organisation's id.",
        not_found="No organisation has this id.",
    ),
)
