"""Open data of public council elections: ``/api/v1/elections``, ``/{id}``, and after the
count ``/{id}/ballots`` (every ballot's choices, in random order), ``/{id}/receipts``
(the receipts' SHA-256, sorted) and ``/{id}/receipts/{code}`` (whether a receipt is in
the list). Nothing here names a voter or links a ballot to a receipt
(``civic.ballot_lists`` says how to recompute the digests)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.web.keyset import keyset_page
from bot.web.models import ItemId, NextPage
from bot.web.routes import (
    DEFAULT_LIMIT,
    ApiCall,
    ApiRoute,
    ApiTag,
    BinaryBody,
    id_parameter,
    limit_parameter,
)
from civic.elections import ElectionError, Elections, Phase, phase
from storage.election_models import Election as ElectionRow

TAG = ApiTag(
    "elections",
    "Public council elections: candidates, and after the count the results with the "
    "published ballot and receipt lists anyone can recount.",
)


class CandidateOrganisation(BaseModel):
    id: ItemId
    name: str


class Candidate(BaseModel):
    id: ItemId
    name: str
    organisation: CandidateOrganisation
    withdrawn: bool
    photo_url: str | None = Field(
        default=None,
        description="The candidate's photo (JPEG), when there is one.",
        json_schema_extra={"format": "uri"},
    )


class Result(BaseModel):
    candidate_id: ItemId
    votes: int = Field(ge=0)
    rank: int = Field(ge=1)
    outcome: str = Field(description="`elected`, `reserve` or `not_elected`.")


class Election(BaseModel):
    """A public council election. `results`, the digests and `ballot_count` are present
    once the ballots are counted, after closing."""

    id: ItemId
    title: str
    authority_id: ItemId
    seats: int = Field(ge=1, le=35)
    max_choices: int = Field(ge=1, description="How many candidates one ballot may name.")
    status: Phase
    opens_at: datetime
    closes_at: datetime
    candidates: list[Candidate]
    results: list[Result] | None = None
    ballots_digest: str | None = Field(
        default=None, description="SHA-256 of the canonical JSON of the whole ballot list."
    )
    receipts_digest: str | None = Field(
        default=None, description="SHA-256 of the canonical JSON of the whole receipt list."
    )
    ballot_count: int | None = None


class ElectionList(BaseModel):
    items: list[Election]
    next: NextPage


class PublishedBallot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    choices: list[int] = Field(description="The candidates the ballot names, ascending.")


class BallotList(BaseModel):
    items: list[PublishedBallot]
    next: NextPage
    digest: str = Field(description="SHA-256 of the canonical JSON of the whole list.")
    total: int


class ReceiptList(BaseModel):
    items: list[str] = Field(description="SHA-256 (hex) of every receipt code, sorted.")
    next: NextPage
    digest: str
    total: int


class ReceiptFound(BaseModel):
    counted: bool = Field(description="Always true: a receipt not in the list is 404.")


async def _election(call: ApiCall, row: ElectionRow, rules: Elections) -> Election:
    photos = await rules.with_photos(row.id)
    candidates = [
        Candidate(
            id=candidate.id,
            name=candidate.name,
            organisation=CandidateOrganisation(id=organisation.id, name=organisation.name),
            withdrawn=candidate.withdrawn_at is not None,
            photo_url=call.public_link(f"/elections/{row.id}/candidates/{candidate.id}/photo")
            if candidate.id in photos
            else None,
        )
        for candidate, organisation in await rules.candidates(row.id)
    ]
    counted = row.counted_at is not None
    return Election(
        id=row.id,
        title=row.title,
        authority_id=row.authority_id,
        seats=row.seats,
        max_choices=row.max_choices,
        status=phase(row, call.now),
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        candidates=candidates,
        results=[Result.model_validate(place) for place in row.results or []] if counted else None,
        ballots_digest=row.ballots_digest,
        receipts_digest=row.receipts_digest,
        ballot_count=row.ballot_count,
    )


async def list_elections(call: ApiCall) -> ElectionList:
    items, next_page = await keyset_page(
        call, ElectionRow, lambda session, row: _election(call, row, Elections(session))
    )
    return ElectionList(items=items, next=next_page)


async def get_election(call: ApiCall) -> Election | None:
    assert call.id is not None
    async with call.database.reading() as session:
        rules = Elections(session)
        row = await rules.get(call.id)
        return None if row is None else await _election(call, row, rules)


async def _published(call: ApiCall, which: str) -> tuple[list[Any], str] | None:
    """A counted election's published list and its digest (None: unknown or not yet)."""
    assert call.id is not None
    async with call.database.reading() as session:
        row = await session.get(ElectionRow, call.id)
    if row is None or row.counted_at is None:
        return None
    text = row.published_ballots if which == "ballots" else row.published_receipts
    found = row.ballots_digest if which == "ballots" else row.receipts_digest
    assert text is not None
    assert found is not None
    return json.loads(text), found


def _page(call: ApiCall, items: list[Any]) -> tuple[list[Any], str | None]:
    """Pages of a published list by position: ``cursor`` is the count already read."""
    start = call.query["cursor"] or 0
    limit = call.query["limit"] or DEFAULT_LIMIT
    page = items[start : start + limit]
    more = start + limit < len(items)
    return page, call.next_page(start + limit) if more else None


async def ballots(call: ApiCall) -> BallotList | None:
    published = await _published(call, "ballots")
    if published is None:
        return None
    items, found = published
    page, next_url = _page(call, items)
    return BallotList(
        items=[PublishedBallot.model_validate(ballot) for ballot in page],
        next=next_url,
        digest=found,
        total=len(items),
    )


async def receipts(call: ApiCall) -> ReceiptList | None:
    published = await _published(call, "receipts")
    if published is None:
        return None
    items, found = published
    page, next_url = _page(call, items)
    return ReceiptList(items=page, next=next_url, digest=found, total=len(items))


async def receipt(call: ApiCall) -> ReceiptFound | None:
    assert call.id is not None
    code = call.request.match_info["code"]
    async with call.database.reading() as session:
        try:
            counted = await Elections(session).receipt_counted(call.id, code[:100])
        except ElectionError:  # no such election
            return None
    return ReceiptFound(counted=True) if counted else None


async def candidate_photo(call: ApiCall) -> BinaryBody | None:
    assert call.id is not None
    raw = call.request.match_info["candidate_id"]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    async with call.database.reading() as session:
        photo = await Elections(session).photo(call.id, int(raw))
    return None if photo is None else BinaryBody(content=photo.content, media_type=photo.media_type)


_POSITION = id_parameter("cursor", "How many items of the list were read already.")
ROUTES = (
    ApiRoute(
        path="/elections",
        operation_id="listElections",
        tag=TAG,
        summary="List elections by id",
        description="Keyset pagination by id, ascending: follow `next` until it is null.",
        response=ElectionList,
        handler=list_elections,
        query=(id_parameter("cursor", "Only elections whose id is above it."), limit_parameter()),
    ),
    ApiRoute(
        path="/elections/{id}",
        operation_id="getElection",
        tag=TAG,
        summary="One election",
        description="Results and digests only once counted.",
        response=Election,
        handler=get_election,
        id_description="The election's id.",
        not_found="No election has this id.",
    ),
    ApiRoute(
        path="/elections/{id}/ballots",
        operation_id="listBallots",
        tag=TAG,
        summary="The counted ballots, in random order",
        description=(
            "Every counted ballot's choices, in the random order fixed at the count; no "
            "voter, time or receipt. 404 until the election is counted. `vzayemodiia tally "
            "election ID --from FILE` recounts every page's items in order."
        ),
        response=BallotList,
        handler=ballots,
        query=(_POSITION, limit_parameter()),
        id_description="The election's id.",
        not_found="No counted election has this id.",
    ),
    ApiRoute(
        path="/elections/{id}/receipts",
        operation_id="listReceipts",
        tag=TAG,
        summary="The SHA-256 of every receipt, sorted",
        description="As many as ballots; no link to them. 404 until counted.",
        response=ReceiptList,
        handler=receipts,
        query=(_POSITION, limit_parameter()),
        id_description="The election's id.",
        not_found="No counted election has this id.",
    ),
    ApiRoute(
        path="/elections/{id}/candidates/{candidate_id}/photo",
        operation_id="getCandidatePhoto",
        tag=TAG,
        summary="A candidate's photo",
        description="The JPEG the election's organisers published, without its metadata.",
        response=BinaryBody,
        handler=candidate_photo,
        id_description="The election's id.",
        not_found="No such candidate of this election, or no photo.",
        text_path=(("candidate_id", "The candidate's id."),),
        media_types=("image/jpeg",),
    ),
    ApiRoute(
        path="/elections/{id}/receipts/{code}",
        operation_id="checkReceipt",
        tag=TAG,
        summary="Whether a receipt is counted",
        description="200 when the SHA-256 of the code is in the published list, else 404.",
        response=ReceiptFound,
        handler=receipt,
        id_description="The election's id.",
        not_found="No such receipt in a counted election.",
        text_path=(("code", "The receipt code as shown to the voter, e.g. ABCD-EFGH-JKMN."),),
    ),
)
