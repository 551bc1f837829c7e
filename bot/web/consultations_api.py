"""Open data of e-consultations: ``/api/v1/consultations`` and ``/{id}``: the draft in
sections with their counts, and once reported the authority's report. Nothing here says
who wrote a comment."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot.web.keyset import keyset_page
from bot.web.models import ItemId, NextPage, Timestamp
from bot.web.routes import (
    ApiCall,
    ApiRoute,
    ApiTag,
    BinaryBody,
    id_parameter,
    limit_parameter,
)
from civic.consultations import DOCUMENT_TYPES, Consultations, Phase, phase
from storage.consultation_models import Consultation as ConsultationRow
from storage.consultation_models import Outcome

TAG = ApiTag(
    "consultations",
    "E-consultations on draft acts: the draft in sections with citizens' support, "
    "objections and comments counted, and the authority's report once published.",
)


class Section(BaseModel):
    id: ItemId
    number: int = Field(ge=1)
    title: str
    text: str
    comment_count: int = Field(ge=0, description="Published comments and new wordings.")
    support_count: int = Field(ge=0)
    object_count: int = Field(ge=0)


class WholeDraft(BaseModel):
    comment_count: int = Field(ge=0)
    support_count: int = Field(ge=0)
    object_count: int = Field(ge=0)


class ReportedComment(BaseModel):
    section_id: ItemId | None = Field(description="null: on the whole draft.")
    kind: str = Field(description="`comment` or `wording` (a proposed new wording).")
    text: str
    outcome: Outcome
    reason: str


class Report(BaseModel):
    published_at: Timestamp
    counts: dict[str, int] = Field(description="Comments by outcome.")
    comments: list[ReportedComment]


class Consultation(BaseModel):
    """An e-consultation. `report` is present once the authority has published it."""

    id: ItemId
    title: str
    authority_id: ItemId
    summary: str
    affected: str = Field(description="Who the act affects.")
    status: Phase = Field(description="`scheduled`, `open`, `closed` or `reported`.")
    opens_at: Timestamp
    closes_at: Timestamp
    report_due_at: Timestamp
    whole_draft: WholeDraft
    sections: list[Section]
    report: Report | None = None
    document_url: str | None = Field(
        default=None,
        description="The full draft as the authority uploaded it (.docx or Markdown).",
        json_schema_extra={"format": "uri"},
    )


class ConsultationList(BaseModel):
    items: list[Consultation]
    next: NextPage


async def _consultation(call: ApiCall, row: ConsultationRow, rules: Consultations) -> Consultation:
    counts = await rules.counts(row.id)
    whole, per_section = counts[0], counts[1:]
    report = None
    if row.report_published_at is not None:
        reported = await rules.reported_comments(row.id)
        report = Report(
            published_at=row.report_published_at,
            counts={
                outcome.value: sum(1 for c in reported if c.outcome is outcome)
                for outcome in Outcome
            },
            comments=[
                ReportedComment(
                    section_id=comment.section_id,
                    kind=comment.kind.value,
                    text=comment.text,
                    outcome=comment.outcome,
                    reason=comment.outcome_reason or "",
                )
                for comment in reported
                if comment.outcome is not None
            ],
        )
    return Consultation(
        id=row.id,
        title=row.title,
        authority_id=row.authority_id,
        summary=row.summary,
        affected=row.affected,
        status=phase(row, call.now),
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        report_due_at=row.report_due_at,
        whole_draft=WholeDraft(
            comment_count=whole.comments,
            support_count=whole.support,
            object_count=whole.objections,
        ),
        sections=[
            Section(
                id=counted.section.id,
                number=counted.section.number,
                title=counted.section.title,
                text=counted.section.text,
                comment_count=counted.comments,
                support_count=counted.support,
                object_count=counted.objections,
            )
            for counted in per_section
            if counted.section is not None
        ],
        report=report,
        document_url=call.public_link(f"/consultations/{row.id}/document")
        if await rules.document(row.id) is not None
        else None,
    )


async def list_consultations(call: ApiCall) -> ConsultationList:
    items, next_page = await keyset_page(
        call,
        ConsultationRow,
        lambda session, row: _consultation(call, row, Consultations(session)),
    )
    return ConsultationList(items=items, next=next_page)


async def get_consultation(call: ApiCall) -> Consultation | None:
    assert call.id is not None
    async with call.database.reading() as session:
        rules = Consultations(session)
        row = await rules.get(call.id)
        return None if row is None else await _consultation(call, row, rules)


async def document(call: ApiCall) -> BinaryBody | None:
    assert call.id is not None
    async with call.database.reading() as session:
        found = await Consultations(session).document(call.id)
    if found is None:
        return None
    return BinaryBody(content=found.content, media_type=found.media_type)


ROUTES = (
    ApiRoute(
        path="/consultations",
        operation_id="listConsultations",
        tag=TAG,
        summary="List consultations by id",
        description="Keyset pagination by id, ascending: follow `next` until it is null.",
        response=ConsultationList,
        handler=list_consultations,
        query=(
            id_parameter("cursor", "Only consultations whose id is above it."),
            limit_parameter(),
        ),
    ),
    ApiRoute(
        path="/consultations/{id}",
        operation_id="getConsultation",
        tag=TAG,
        summary="One consultation",
        description="The sections with their counts; the report once published.",
        response=Consultation,
        handler=get_consultation,
        id_description="The consultation's id.",
        not_found="No consultation has this id.",
    ),
    ApiRoute(
        path="/consultations/{id}/document",
        operation_id="getConsultationDocument",
        tag=TAG,
        summary="The full draft as uploaded",
        description="The file the authority published the draft from.",
        response=BinaryBody,
        handler=document,
        id_description="The consultation's id.",
        not_found="No consultation has this id, or it has no file.",
        media_types=DOCUMENT_TYPES,
    ),
)
