"""Open data of the directory: ``GET /api/v1/authorities`` and ``/{id}``, with contacts,
petition rules and how each authority handles requests for public information (counted at
the time of the request by ``civic.authority_stats``; only counts, never who asked)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.web.models import ItemId, NextPage, count
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
from civic.authority_stats import AuthorityRecord, AuthorityStatistics
from storage.models import Authority as AuthorityRow
from storage.models import AuthorityLevel

TAG = ApiTag("authorities", "The directory of authorities, with request statistics.")


class Authority(BaseModel):
    """A public authority that petitions are addressed to."""

    model_config = ConfigDict(from_attributes=True)

    id: ItemId
    name_uk: str = Field(description="Name in Ukrainian.")
    name_en: str = Field(description="Name in English.")
    level: AuthorityLevel
    region: str | None = Field(description="Region (oblast); null for national bodies.")

    @classmethod
    def of(cls, authority: AuthorityRow) -> Authority:
        return cls.model_validate(authority)


class PetitionRules(BaseModel):
    """What a petition to the authority needs. Exactly one of `period_months` and
    `period_days` is set."""

    threshold: int = Field(
        ge=1, description="Signatures needed for the authority to have to answer."
    )
    period_months: int | None = Field(description="Collection period in months.")
    period_days: int | None = Field(description="Collection period in days.")


class RequestStatistics(BaseModel):
    """Requests for public information filed with the authority through this platform,
    counted at the time of the API request. Counts only: nothing about who asked or what."""

    model_config = ConfigDict(from_attributes=True)

    received: int = count("Every request filed, whatever its state.")
    answered: int = count("Answered in full or in part.")
    answered_on_time: int = count(
        "Of the answered ones, those answered no later than their due time."
    )
    refused: int = count("Refused on a ground the law allows.")
    withdrawn: int = count("Withdrawn by the citizen.")
    open: int = count(
        "Awaiting the answer: submitted, extended, or waiting for the citizen's clarification."
    )
    overdue: int = count(
        "Open, past the due time, and not waiting for a clarification (which stops the clock)."
    )


class AuthorityProfile(Authority):
    """A public authority of the directory: contacts, the rules of petitions to it, and
    how it handles requests for public information."""

    address: str | None = Field(description="Postal address.")
    phone: str | None = Field(description="The authority's public telephone number.")
    request_email: str | None = Field(
        description="Where requests for public information to the authority go."
    )
    website: str | None = Field(description="The authority's website.")
    public_council_url: str | None = Field(description="The page of its public council.")
    petition_rules: PetitionRules
    information_requests: RequestStatistics

    @classmethod
    def of_record(cls, record: AuthorityRecord) -> AuthorityProfile:
        authority, stats = record.authority, record.requests
        return cls(
            **Authority.of(authority).model_dump(),
            address=authority.address,
            phone=authority.phone,
            request_email=authority.request_email,
            website=authority.website,
            public_council_url=authority.public_council_url,
            petition_rules=PetitionRules(
                threshold=authority.petition_threshold,
                period_months=authority.petition_period_months,
                period_days=authority.petition_period_days,
            ),
            information_requests=RequestStatistics.model_validate(stats),
        )


class AuthorityList(BaseModel):
    items: list[AuthorityProfile]
    next: NextPage


async def list_authorities(call: ApiCall) -> AuthorityList:
    """Authorities by id ascending, with request statistics."""
    query = call.query
    level = query["level"]
    async with call.database.reading() as session:
        records, more = await AuthorityStatistics(session).page(
            now=call.now,
            cursor=query["cursor"],
            limit=query["limit"] or DEFAULT_LIMIT,
            level=None if level is None else AuthorityLevel(level),
            region=query["region"],
        )
        items = [AuthorityProfile.of_record(record) for record in records]
    next_url = call.next_page(records[-1].authority.id) if more and records else None
    return AuthorityList(items=items, next=next_url)


async def get_authority(call: ApiCall) -> AuthorityProfile | None:
    assert call.id is not None
    async with call.database.reading() as session:
        record = await AuthorityStatistics(session).get(call.id, call.now)
        return None if record is None else AuthorityProfile.of_record(record)


ROUTES = (
    ApiRoute(
        path="/authorities",
        operation_id="listAuthorities",
        tag=TAG,
        summary="List authorities by id",
        description=(
            "Keyset pagination by id, ascending: follow `next` until it is null. Request "
            "statistics are counted at the time of the request. Unknown query parameters "
            "are ignored."
        ),
        response=AuthorityList,
        handler=list_authorities,
        query=(
            id_parameter("cursor", "Return only authorities whose id is above this one."),
            limit_parameter(),
            choice_parameter(
                "level", "Only authorities of this level.", [lv.value for lv in AuthorityLevel]
            ),
            text_parameter("region", "Only authorities of exactly this region."),
        ),
    ),
    ApiRoute(
        path="/authorities/{id}",
        operation_id="getAuthority",
        tag=TAG,
        summary="One authority with its request statistics",
        description="An id that is not a positive integer is 404.",
        response=AuthorityProfile,
        handler=get_authority,
        id_description="The authority's id.",
        not_found="No authority has this id.",
    ),
)
