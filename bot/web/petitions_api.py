"""Open data of the petitions: ``GET /api/v1/petitions`` and ``/{id}``.

Only published petitions are public (``civic.petitions.PUBLISHED``): one in moderation or
rejected is 404 exactly like an id that does not exist, so the API does not even reveal
that it exists. No citizen id, phone data or rejection reason is ever part of a response.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, WithJsonSchema

from bot.web.authorities_api import Authority
from bot.web.models import ItemId, NextPage, Timestamp
from bot.web.routes import (
    DEFAULT_LIMIT,
    ApiCall,
    ApiRoute,
    ApiTag,
    choice_parameter,
    id_parameter,
    limit_parameter,
)
from civic.petitions import PUBLISHED, Petitions, PetitionView
from storage.models import PetitionStatus

TAG = ApiTag("petitions", "Published e-petitions.")

PublicStatus = Annotated[
    PetitionStatus,
    WithJsonSchema(
        {
            "type": "string",
            "enum": [status.value for status in PUBLISHED],
            "description": (
                "`open`: collecting signatures; `awaiting_answer`: reached the threshold, "
                "the authority's answer is due; `answered`: the authority answered; "
                "`closed`: the period ended below the threshold."
            ),
        }
    ),
]


class Petition(BaseModel):
    """A published e-petition (Law of Ukraine 'On Citizens' Appeals', art. 23-1).
    Petitions in moderation or rejected are not public."""

    id: ItemId
    title: str
    body: str
    status: PublicStatus
    signature_count: int = Field(ge=0)
    threshold: int = Field(
        ge=1, description="Signatures needed for the authority to have to answer."
    )
    authority: Authority
    author_name: str = Field(description="The name the author chose to publish.")
    published_at: Timestamp | None = Field(description="When signature collection started.")
    closes_at: Timestamp | None = Field(description="When signature collection ends.")
    threshold_reached_at: Timestamp | None = Field(
        description="When the count reached the threshold."
    )
    answered_at: Timestamp | None = Field(description="When the authority answered.")
    answer_text: str | None = Field(description="The authority's answer.")

    @classmethod
    def of(cls, view: PetitionView) -> Petition:
        petition = view.petition
        return cls(
            id=petition.id,
            title=petition.title,
            body=petition.body,
            status=petition.status,
            signature_count=view.signature_count,
            threshold=petition.threshold,
            authority=Authority.of(petition.authority),
            author_name=petition.author_name,
            published_at=petition.published_at,
            closes_at=petition.closes_at,
            threshold_reached_at=petition.threshold_reached_at,
            answered_at=petition.answered_at,
            answer_text=petition.answer_text,
        )


class PetitionList(BaseModel):
    items: list[Petition]
    next: NextPage


async def list_petitions(call: ApiCall) -> PetitionList:
    """Published petitions, newest id first."""
    query = call.query
    status = query["status"]
    statuses = PUBLISHED if status is None else (PetitionStatus(status),)
    async with call.database.reading() as session:
        views, more = await Petitions(session).published_page(
            statuses=statuses,
            cursor=query["cursor"],
            limit=query["limit"] or DEFAULT_LIMIT,
            authority_id=query["authority_id"],
        )
        items = [Petition.of(view) for view in views]
    next_url = call.next_page(views[-1].petition.id) if more and views else None
    return PetitionList(items=items, next=next_url)


async def get_petition(call: ApiCall) -> Petition | None:
    assert call.id is not None
    async with call.database.reading() as session:
        view = await Petitions(session).visible(call.id, None)
        return None if view is None else Petition.of(view)


ROUTES = (
    ApiRoute(
        path="/petitions",
        operation_id="listPetitions",
        tag=TAG,
        summary="List published petitions, newest first",
        description=(
            "Keyset pagination by id, descending: follow `next` until it is null. Unknown "
            "query parameters are ignored."
        ),
        response=PetitionList,
        handler=list_petitions,
        query=(
            id_parameter("cursor", "Return only petitions whose id is below this one."),
            limit_parameter(),
            choice_parameter(
                "status", "Only petitions in this status.", [s.value for s in PUBLISHED]
            ),
            id_parameter("authority_id", "Only petitions addressed to this authority."),
        ),
    ),
    ApiRoute(
        path="/petitions/{id}",
        operation_id="getPetition",
        tag=TAG,
        summary="One published petition",
        description=(
            "Petitions in moderation or rejected are 404, as is an id that is not a "
            "positive integer."
        ),
        response=Petition,
        handler=get_petition,
        id_description="The petition's id.",
        not_found="No published petition has this id.",
    ),
)
