"""Open data of e-polls: ``/api/v1/polls`` and ``/{id}``. An option's ``count`` (and a
text question's ``answers``) is present only where the poll lets results be shown
(``civic.polls.results_published``): the chat never shows a citizen more than this."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot.web.keyset import keyset_page
from bot.web.models import ItemId, NextPage, Timestamp
from bot.web.routes import ApiCall, ApiRoute, ApiTag, id_parameter, limit_parameter
from civic.polls import Phase, Polls, Results, phase, results_published
from storage.poll_models import Poll as PollRow
from storage.poll_models import QuestionKind, ResultsShown

TAG = ApiTag(
    "polls",
    "E-polls of the authorities: questions and options, and the counts where the poll lets "
    "them be shown.",
)


class Option(BaseModel):
    id: ItemId
    text: str
    count: int | None = Field(
        default=None, ge=0, description="How many respondents chose it; only where shown."
    )


class Question(BaseModel):
    id: ItemId
    text: str
    kind: QuestionKind = Field(description="`single`, `multiple` or `text`.")
    max_choices: int = Field(ge=1, description="How many options one answer may name.")
    options: list[Option]
    answers: int | None = Field(
        default=None, ge=0, description="A text question's written answers; only where shown."
    )


class Poll(BaseModel):
    """An e-poll. Counts are present when `results_visible` allows them now: at once for
    `after_answer`, after closing for `after_close`, once released for `on_release`."""

    id: ItemId
    title: str
    description: str
    authority_id: ItemId
    status: Phase
    opens_at: Timestamp
    closes_at: Timestamp
    anonymous: bool
    changeable: bool = Field(description="Whether an answer may be changed until closing.")
    results_visible: ResultsShown
    results_released: bool = Field(description="Whether the counts are shown now.")
    regions: list[str] = Field(description="The audience's regions; empty for everyone.")
    questions: list[Question]
    respondents: int = Field(ge=0)


class PollList(BaseModel):
    items: list[Poll]
    next: NextPage


async def _poll(call: ApiCall, row: PollRow, rules: Polls) -> Poll:
    results: Results = await rules.results(row.id)
    shown = results_published(row, call.now)
    return Poll(
        id=row.id,
        title=row.title,
        description=row.description,
        authority_id=row.authority_id,
        status=phase(row, call.now),
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        anonymous=row.anonymous,
        changeable=row.changeable,
        results_visible=row.results_shown,
        results_released=shown,
        regions=list(row.regions),
        questions=[
            Question(
                id=counted.question.row.id,
                text=counted.question.row.text,
                kind=counted.question.row.kind,
                max_choices=counted.question.row.max_choices,
                options=[
                    Option(
                        id=option.id,
                        text=option.text,
                        count=counted.counts.get(option.id, 0) if shown else None,
                    )
                    for option in counted.question.options
                ],
                answers=counted.texts
                if shown and counted.question.row.kind is QuestionKind.TEXT
                else None,
            )
            for counted in results.questions
        ],
        respondents=results.respondents,
    )


async def list_polls(call: ApiCall) -> PollList:
    items, next_page = await keyset_page(
        call, PollRow, lambda session, row: _poll(call, row, Polls(session))
    )
    return PollList(items=items, next=next_page)


async def get_poll(call: ApiCall) -> Poll | None:
    assert call.id is not None
    async with call.database.reading() as session:
        rules = Polls(session)
        row = await rules.get(call.id)
        return None if row is None else await _poll(call, row, rules)


ROUTES = (
    ApiRoute(
        path="/polls",
        operation_id="listPolls",
        tag=TAG,
        summary="List polls by id",
        description="Keyset pagination by id, ascending: follow `next` until it is null.",
        response=PollList,
        handler=list_polls,
        query=(id_parameter("cursor", "Only polls whose id is above it."), limit_parameter()),
    ),
    ApiRoute(
        path="/polls/{id}",
        operation_id="getPoll",
        tag=TAG,
        summary="One poll",
        description="Counts only where the poll lets results be shown.",
        response=Poll,
        handler=get_poll,
        id_description="The poll's id.",
        not_found="No poll has this id.",
    ),
)
