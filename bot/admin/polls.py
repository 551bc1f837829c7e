"""The e-polls module's admin views: the polls, one with its questions and results
(with charts, once officials may see them), creating one, editing its terms and
questions before it opens, closing it early, releasing sealed results, and the results
as CSV. Everyone signed in reads; ``Permission.RUN_POLLS`` changes, for the authorities
the official may see. Every change is one audit entry; answers and respondents never
enter the log."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import Select, func, select

from bot.admin.authority_scope import authorities_for, page_of, visible, within
from bot.admin.context import AdminContext
from bot.admin.contract import AdminRoute, AdminViews, NavEntry
from bot.admin.exports import Row, stream_csv
from bot.admin.forms import posted
from bot.admin.responses import see_other
from civic.access import Permission
from civic.polls import (
    Phase,
    PollError,
    Polls,
    PollTerms,
    phase,
    results_for_officials,
    results_published,
)
from civic.preferences import Preferences
from civic.text import TextProblem
from handlers.poll_results import draw_results
from storage.models import Authority
from storage.poll_models import Poll, QuestionKind, ResultsShown

PAGE_SIZE = 25
RUN = Permission.RUN_POLLS
TERM_FIELDS = ("authority_id", "title", "description", "opens_at", "closes_at", "results_shown")
TEXTS_SHOWN = 50


def _problem(context: AdminContext, code: str) -> str:
    t = context.texts
    problems = {
        "unknown_authority": t._("Choose the authority from the list."),
        "authority_fixed": t._("A poll stays with the authority it was created for."),
        "closes_before_it_opens": t._("The poll must close after it opens."),
        "anonymous_cannot_change": t._(
            "An anonymous answer cannot be changed: nothing links it to its author."
        ),
        "unknown_region": t._("Choose the regions from the list."),
        "already_open": t._("The poll has opened: its terms and questions are fixed."),
        "too_many_questions": t._("A poll has at most 20 questions."),
        "text_has_no_options": t._("A text question has no options."),
        "options_out_of_range": t._("A choice question has 2 to 10 options, one per line."),
        "options_repeat": t._("Two options are the same."),
        "max_choices_out_of_range": t._(
            "The limit of a several-options question is from 1 to its number of options."
        ),
        "unknown_question": t._("No such question."),
        "already_closed": t._("The poll is already closed."),
        "not_open_yet": t._("The poll has not opened yet."),
        "not_sealed": t._("This poll's results are not waiting for a release."),
        "still_open": t._("The poll has not closed yet."),
        "already_released": t._("The results are already released."),
        "bad_time": t._("Write the dates and times as the form shows them."),
        "text": t._("A text is too short or too long."),
    }
    return problems.get(code, t._("That did not work."))


def _scope(context: AdminContext) -> Select[Poll]:
    return within(context, select(Poll), Poll.authority_id)


async def poll_list(context: AdminContext) -> web.StreamResponse:
    found = await page_of(
        context, _scope(context), (Poll.opens_at.desc(), Poll.id.desc()), PAGE_SIZE
    )
    return context.render(
        "polls.html",
        polls=[(poll, phase(poll, context.now).value) for poll in found.rows],
        page=found.page,
        pages=found.pages,
        total=found.total,
        may_run=context.official.can(RUN),
    )


async def _visible(context: AdminContext, polls: Polls, poll_id: int) -> Poll:
    poll = await polls.get(poll_id)
    visible(context, poll)
    assert poll is not None
    return poll


async def _page(
    context: AdminContext, poll_id: int, problem: str | None = None, http_status: int = 200
) -> web.Response:
    async with context.database.reading() as session:
        rules = Polls(session)
        poll = await _visible(context, rules, poll_id)
        authority = await session.get(Authority, poll.authority_id)
        questions = await rules.questions(poll_id)
        regions = await Preferences(session).regions()
        shown = results_for_officials(poll, context.now)
        results = await rules.results(poll_id) if shown else None
        written = (
            {
                counted.question.row.id: await rules.texts(counted.question.row.id, TEXTS_SHOWN)
                for counted in results.questions
                if counted.question.row.kind is QuestionKind.TEXT
            }
            if results
            else {}
        )
        respondents = results.respondents if results else (await rules.results(poll_id)).respondents
    chart = None
    choices = [
        counted
        for counted in (results.questions if results else [])
        if counted.question.row.kind is not QuestionKind.TEXT
    ]
    if results is not None and choices:
        # The chat's chart, drawn as SVG (matplotlib escapes the texts it writes).
        svg = draw_results(poll.title, choices, results.respondents, "svg").decode()
        chart = svg[svg.index("<svg") :]  # no XML prologue inside HTML
    current = phase(poll, context.now)
    return context.render(
        "poll.html",
        http_status=http_status,
        poll=poll,
        authority=authority,
        status=current.value,
        questions=questions,
        results=results,
        chart=chart,
        written=written,
        respondents=respondents,
        published=results_published(poll, context.now),
        regions=regions,
        values=_values_of(poll, context.texts.zone),
        problem=_problem(context, problem) if problem else None,
        may_run=context.official.may(RUN, poll.authority_id),
        may_release=poll.results_shown is ResultsShown.ON_RELEASE
        and current is Phase.CLOSED
        and poll.released_at is None,
    )


def _values_of(poll: Poll, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "authority_id": str(poll.authority_id),
        "title": poll.title,
        "description": poll.description,
        "opens_at": poll.opens_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": poll.closes_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "results_shown": poll.results_shown.value,
        "anonymous": poll.anonymous,
        "changeable": poll.changeable,
        "regions": list(poll.regions),
    }


async def poll_view(context: AdminContext) -> web.StreamResponse:
    return await _page(context, context.int_param("id"))


async def new_form(context: AdminContext) -> web.StreamResponse:
    return await _new_page(context, {}, None)


async def _new_page(
    context: AdminContext, values: dict[str, Any], problem: str | None, http_status: int = 200
) -> web.Response:
    authorities = await authorities_for(context)
    async with context.database.reading() as session:
        regions = await Preferences(session).regions()
    return context.render(
        "poll_new.html",
        http_status=http_status,
        authorities=authorities,
        regions=regions,
        values=values,
        problem=_problem(context, problem) if problem else None,
    )


def _local(raw: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(raw).replace(tzinfo=zone)


def _posted_terms(context: AdminContext) -> tuple[dict[str, Any], PollTerms | None]:
    """The form's values (to show again) and the terms they make (None: a date, a
    number or a choice the form could not have sent)."""
    form = posted(context.request)
    values: dict[str, Any] = {name: form.get(name) for name in TERM_FIELDS}
    values["anonymous"] = form.get("anonymous") == "on"
    values["changeable"] = form.get("changeable") == "on"
    values["regions"] = form.all("regions")
    try:
        terms = PollTerms(
            authority_id=int(values["authority_id"]),
            title=values["title"],
            description=values["description"],
            opens_at=_local(values["opens_at"], context.texts.zone),
            closes_at=_local(values["closes_at"], context.texts.zone),
            regions=values["regions"],
            anonymous=values["anonymous"],
            changeable=values["changeable"],
            results_shown=ResultsShown(values["results_shown"]),
        )
    except ValueError:
        return values, None
    return values, terms


def _fields(poll: Poll) -> dict[str, Any]:
    return {
        "authority_id": poll.authority_id,
        "title": poll.title,
        "description": poll.description,
        "regions": list(poll.regions),
        "opens_at": poll.opens_at,
        "closes_at": poll.closes_at,
        "anonymous": poll.anonymous,
        "changeable": poll.changeable,
        "results_shown": poll.results_shown.value,
    }


async def create(context: AdminContext) -> web.StreamResponse:
    values, terms = _posted_terms(context)
    if terms is None:
        return await _new_page(context, values, "bad_time", http_status=400)
    if not context.official.may(RUN, terms.authority_id):
        return await _new_page(context, values, "unknown_authority", http_status=400)
    try:
        async with context.database.transaction() as session:
            poll = await Polls(session).create(terms, context.now)
            context.audit(
                session,
                action="poll_create",
                object_type="poll",
                object_id=poll.id,
                after=_fields(poll),
            )
            created = poll.id
    except PollError as error:
        return await _new_page(context, values, error.code, http_status=400)
    except TextProblem:
        return await _new_page(context, values, "text", http_status=400)
    return see_other(f"/admin/polls/{created}?done=created")


async def _change(context: AdminContext, change: str) -> web.StreamResponse:
    """Edit, add or remove a question, close early or release: checked and audited."""
    poll_id = context.int_param("id")
    form = posted(context.request)
    try:
        async with context.database.transaction() as session:
            rules = Polls(session)
            poll = await _visible(context, rules, poll_id)
            context.require(RUN, poll.authority_id)
            before: dict[str, Any] | None = None
            if change == "edit":
                _values, terms = _posted_terms(context)
                if terms is None:
                    raise PollError("bad_time")
                before = _fields(poll)
                after = _fields(await rules.edit(poll_id, terms, context.now))
            elif change == "question":
                kind = QuestionKind(form.get("kind"))
                options = form.get("options").splitlines()
                question = await rules.add_question(
                    poll_id,
                    form.get("text"),
                    kind,
                    options,
                    int(form.get("max_choices") or 1),
                    context.now,
                )
                after = {
                    "question_id": question.row.id,
                    "text": question.row.text,
                    "kind": kind.value,
                    "max_choices": question.row.max_choices,
                    "options": [option.text for option in question.options],
                }
            elif change == "remove":
                question_id = int(form.get("question_id") or 0)
                await rules.remove_question(poll_id, question_id, context.now)
                after = {"removed_question_id": question_id}
            elif change == "close":
                before = {"closes_at": poll.closes_at}
                after = {"closes_at": (await rules.close_early(poll_id, context.now)).closes_at}
            else:
                after = {"released_at": (await rules.release(poll_id, context.now)).released_at}
            context.audit(
                session,
                action=f"poll_{change}",
                object_type="poll",
                object_id=poll_id,
                before=before,
                after=after,
            )
    except PollError as error:
        return await _page(context, poll_id, error.code, http_status=409)
    except (TextProblem, ValueError):
        return await _page(context, poll_id, "text", http_status=400)
    return see_other(f"/admin/polls/{poll_id}?done={change}")


async def edit(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "edit")


async def add_question(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "question")


async def remove_question(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "remove")


async def close(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "close")


async def release(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "release")


async def results_csv(context: AdminContext) -> web.StreamResponse:
    """The counts of every option, then every written answer (in the random order of
    their keys, never with who or when); only where officials may see results."""
    poll_id = context.int_param("id")
    async with context.database.reading() as session:
        rules = Polls(session)
        poll = await _visible(context, rules, poll_id)
        if not results_for_officials(poll, context.now):
            raise web.HTTPNotFound()
        results = await rules.results(poll_id)

    async def rows() -> AsyncGenerator[Row, None]:
        yield ("", "respondents", "", "", results.respondents)
        for number, counted in enumerate(results.questions, start=1):
            question = counted.question.row
            for option in counted.question.options:
                count = counted.counts.get(option.id, 0)
                yield (number, question.text, question.kind.value, option.text, count)
        for number, counted in enumerate(results.questions, start=1):
            question = counted.question.row
            if question.kind is not QuestionKind.TEXT:
                continue
            offset = 0
            while True:
                async with context.database.reading() as session:
                    page = await Polls(session).texts(question.id, 1000, offset)
                for text in page:
                    yield (number, question.text, question.kind.value, text, "")
                if len(page) < 1000:
                    break
                offset += 1000

    header = ("question", "question_text", "kind", "option_or_answer", "count")
    return await stream_csv(context, f"poll-{poll_id}-results.csv", header, rows())


async def waiting_panel(context: AdminContext) -> str | None:
    """On the dashboard: how many polls are open, and the closed ones whose results wait
    for the authority to release them (the official's authorities only)."""
    statement = _scope(context)
    now = context.now
    async with context.database.reading() as session:
        open_now = await session.scalar(
            select(func.count()).select_from(
                statement.where(Poll.opens_at <= now, Poll.closes_at > now).subquery()
            )
        )
        unreleased = (
            await session.scalars(
                statement.where(
                    Poll.closes_at <= now,
                    Poll.results_shown == ResultsShown.ON_RELEASE,
                    Poll.released_at.is_(None),
                )
                .order_by(Poll.closes_at)
                .limit(10)
            )
        ).all()
    if not open_now and not unreleased:
        return None
    return context.render_fragment(
        "polls_panel.html", open_now=open_now or 0, unreleased=unreleased
    )


VIEWS = AdminViews(
    routes=(
        AdminRoute("GET", "/polls", poll_list),
        AdminRoute("GET", "/polls/new", new_form, RUN),
        AdminRoute("POST", "/polls/new", create, RUN),
        AdminRoute("GET", "/polls/{id}", poll_view),
        AdminRoute("GET", "/polls/{id}/results.csv", results_csv),
        AdminRoute("POST", "/polls/{id}/edit", edit, RUN),
        AdminRoute("POST", "/polls/{id}/questions", add_question, RUN),
        AdminRoute("POST", "/polls/{id}/questions/remove", remove_question, RUN),
        AdminRoute("POST", "/polls/{id}/close", close, RUN),
        AdminRoute("POST", "/polls/{id}/release", release, RUN),
    ),
    nav=(NavEntry("/admin/polls", lambda t: t._("Polls")),),
    panels=(waiting_panel,),
)
