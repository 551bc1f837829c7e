"""The e-consultations module's admin views: the consultations; publishing one from an
uploaded draft (Markdown or .docx, split into sections to review); replacing the draft
and the terms until it opens; closing early; moderating comments (a queue with the flag
counts and reasons; hide with a reason, or publish); recording outcomes, one comment or
many at once; publishing the report; the report as CSV; and on the dashboard, reports
due soon or overdue and comments waiting for a moderator.

``Permission.RUN_CONSULTATIONS`` (administrators, and officials for their authorities)
publishes and reports; ``Permission.MODERATE_COMMENTS`` (moderators and administrators)
moderates. Every change is one audit entry; no citizen is named in it."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime, timedelta
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
from civic.consultations import (
    ConsultationError,
    Consultations,
    ConsultationTerms,
    Phase,
    UploadedDraft,
    phase,
)
from civic.draft_sections import Draft, DraftProblem, read_draft
from civic.preferences import Preferences
from civic.text import TextProblem
from storage.consultation_models import (
    CommentStatus,
    Consultation,
    ConsultationComment,
    Moderation,
    Outcome,
)
from storage.models import Authority

PAGE_SIZE = 25
RUN = Permission.RUN_CONSULTATIONS
MODERATE = Permission.MODERATE_COMMENTS
TERM_FIELDS = ("authority_id", "title", "summary", "affected", "opens_at", "closes_at")
DUE_SOON = timedelta(days=3)


def _problem(context: AdminContext, code: str) -> str:
    t = context.texts
    problems = {
        "unknown_authority": t._("Choose the authority from the list."),
        "authority_fixed": t._("A consultation stays with the authority it was created for."),
        "period_too_short": t._(
            "The comment period is shorter than this authority's minimum (15 days unless "
            "the authority set another)."
        ),
        "unknown_region": t._("Choose the regions from the list."),
        "no_sections": t._("The draft has no headings to split it into sections."),
        "too_many_sections": t._("The draft has more than 300 sections."),
        "too_large": t._("The file is larger than 10 MB."),
        "not_a_draft": t._("Upload the draft as a .docx file or as Markdown text (.md)."),
        "no_file": t._("Choose the draft's file."),
        "already_open": t._("The consultation has opened: its draft and terms are fixed."),
        "not_open": t._("The consultation is not open."),
        "still_open": t._("The comment period has not ended yet."),
        "already_reported": t._("The report is already published."),
        "outcomes_missing": t._("Record an outcome for every published comment first."),
        "moderation_pending": t._("Some comments still wait for a moderator."),
        "unknown_comment": t._("No such comment in this consultation."),
        "no_comments": t._("Tick the comments the outcome is for."),
        "withdrawn": t._("The comment was withdrawn by its author."),
        "bad_time": t._("Write the dates and times as the form shows them."),
        "text": t._("A text is too short or too long."),
    }
    return problems.get(code, t._("That did not work."))


def _scope(context: AdminContext) -> Select[Consultation]:
    return within(context, select(Consultation), Consultation.authority_id)


async def consultation_list(context: AdminContext) -> web.StreamResponse:
    order = (Consultation.opens_at.desc(), Consultation.id.desc())
    found = await page_of(context, _scope(context), order, PAGE_SIZE)
    return context.render(
        "consultations.html",
        consultations=[(row, phase(row, context.now).value) for row in found.rows],
        page=found.page,
        pages=found.pages,
        total=found.total,
        may_run=context.official.can(RUN),
    )


async def _visible(
    context: AdminContext, rules: Consultations, consultation_id: int
) -> Consultation:
    consultation = await rules.get(consultation_id)
    visible(context, consultation)
    assert consultation is not None
    return consultation


async def _page(
    context: AdminContext, consultation_id: int, problem: str | None = None, http_status: int = 200
) -> web.Response:
    async with context.database.reading() as session:
        rules = Consultations(session)
        consultation = await _visible(context, rules, consultation_id)
        authority = await session.get(Authority, consultation.authority_id)
        counts = await rules.counts(consultation_id)
        comments = list(
            await session.scalars(
                select(ConsultationComment)
                .where(ConsultationComment.consultation_id == consultation_id)
                .order_by(ConsultationComment.section_id, ConsultationComment.id)
            )
        )
        queue = await rules.moderation_queue(consultation_id)
        document = await rules.document(consultation_id)
        regions = await Preferences(session).regions()
    numbers = {c.section.id: c.section.number for c in counts if c.section is not None}
    current = phase(consultation, context.now)
    return context.render(
        "consultation.html",
        http_status=http_status,
        consultation=consultation,
        authority=authority,
        status=current.value,
        counts=counts,
        comments=[(comment, numbers.get(comment.section_id or 0, 0)) for comment in comments],
        queue=queue,
        document=document.filename if document else None,
        regions=regions,
        outcomes=list(Outcome),
        values=_values_of(consultation, context.texts.zone),
        problem=_problem(context, problem) if problem else None,
        may_run=context.official.may(RUN, consultation.authority_id),
        may_moderate=context.official.may(MODERATE, consultation.authority_id),
        overdue=current is Phase.CLOSED and context.now > consultation.report_due_at,
    )


def _form_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _values_of(consultation: Consultation, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "authority_id": str(consultation.authority_id),
        "title": consultation.title,
        "summary": consultation.summary,
        "affected": consultation.affected,
        "opens_at": _form_time(consultation.opens_at, zone),
        "closes_at": _form_time(consultation.closes_at, zone),
        "moderation": consultation.moderation.value,
        "regions": list(consultation.regions),
    }


async def consultation_view(context: AdminContext) -> web.StreamResponse:
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
        "consultation_new.html",
        regions=regions,
        http_status=http_status,
        authorities=authorities,
        values=values,
        problem=_problem(context, problem) if problem else None,
    )


def _posted(context: AdminContext) -> tuple[dict[str, Any], ConsultationTerms | None]:
    form = posted(context.request)
    values: dict[str, Any] = {name: form.get(name) for name in TERM_FIELDS}
    values["moderation"] = form.get("moderation") or Moderation.AUTOMATIC.value
    values["regions"] = form.all("regions")
    try:
        terms = ConsultationTerms(
            authority_id=int(values["authority_id"]),
            title=values["title"],
            summary=values["summary"],
            affected=values["affected"],
            opens_at=datetime.fromisoformat(values["opens_at"]).replace(tzinfo=context.zone),
            closes_at=datetime.fromisoformat(values["closes_at"]).replace(tzinfo=context.zone),
            moderation=Moderation(values["moderation"]),
            regions=values["regions"],
        )
    except ValueError:
        return values, None
    return values, terms


def _uploaded(context: AdminContext) -> tuple[UploadedDraft, Draft] | None:
    """The uploaded draft and its sections (None: no file); DraftProblem when unreadable."""
    files = posted(context.request).files.get("draft", [])
    if not files:
        return None
    upload = files[0]
    draft = read_draft(upload.filename, upload.content)
    return UploadedDraft(upload.filename, upload.media_type, upload.content), draft


async def create(context: AdminContext) -> web.StreamResponse:
    values, terms = _posted(context)
    if terms is None:
        return await _new_page(context, values, "bad_time", http_status=400)
    if not context.official.may(RUN, terms.authority_id):
        return await _new_page(context, values, "unknown_authority", http_status=400)
    try:
        uploaded = _uploaded(context)
        if uploaded is None:
            return await _new_page(context, values, "no_file", http_status=400)
        document, draft = uploaded
        async with context.database.transaction() as session:
            consultation = await Consultations(session).create(
                terms, draft.sections, context.now, document
            )
            context.audit(
                session,
                action="consultation_create",
                object_type="consultation",
                object_id=consultation.id,
                after={**_fields(consultation), "sections": len(draft.sections)},
            )
            created = consultation.id
    except (ConsultationError, DraftProblem) as error:
        return await _new_page(context, values, error.code, http_status=400)
    except TextProblem:
        return await _new_page(context, values, "text", http_status=400)
    return see_other(f"/admin/consultations/{created}?done=created")


def _fields(consultation: Consultation) -> dict[str, Any]:
    return {
        "authority_id": consultation.authority_id,
        "title": consultation.title,
        "opens_at": consultation.opens_at,
        "closes_at": consultation.closes_at,
        "report_due_at": consultation.report_due_at,
        "moderation": consultation.moderation.value,
    }


async def _change(context: AdminContext, change: str) -> web.StreamResponse:
    """Every action on one consultation: checked, done and audited in one transaction."""
    consultation_id = context.int_param("id")
    form = posted(context.request)
    try:
        async with context.database.transaction() as session:
            rules = Consultations(session)
            consultation = await _visible(context, rules, consultation_id)
            needed = MODERATE if change in {"hide", "approve"} else RUN
            context.require(needed, consultation.authority_id)
            before: dict[str, Any] | None = None
            if change == "edit":
                _values, terms = _posted(context)
                if terms is None:
                    raise ConsultationError("bad_time")
                uploaded = _uploaded(context)
                before = _fields(consultation)
                edited = await rules.edit(
                    consultation_id,
                    terms,
                    None if uploaded is None else uploaded[1].sections,
                    context.now,
                    None if uploaded is None else uploaded[0],
                )
                after: dict[str, Any] = _fields(edited)
                if uploaded is not None:
                    after["sections"] = len(uploaded[1].sections)
            elif change == "close":
                before = {"closes_at": consultation.closes_at}
                closed = await rules.close_early(consultation_id, context.now)
                after = {"closes_at": closed.closes_at, "report_due_at": closed.report_due_at}
            elif change in {"hide", "approve"}:
                comment_id = context.int_param("comment_id")
                await _own_comment(session, consultation_id, comment_id)
                if change == "hide":
                    hidden = await rules.hide(comment_id, form.get("reason"), context.now)
                    after = {"comment_id": comment_id, "reason": hidden.hidden_reason}
                else:
                    await rules.approve(comment_id, context.now)
                    after = {"comment_id": comment_id}
            elif change == "outcome":
                chosen = (
                    [context.int_param("comment_id")]
                    if "comment_id" in context.request.match_info
                    else [int(raw) for raw in form.all("comment_ids") if raw.isdigit()]
                )
                outcome = Outcome(form.get("outcome"))
                recorded = await rules.record_outcome(
                    consultation_id, chosen, outcome, form.get("reason"), context.now
                )
                after = {"comment_ids": chosen, "outcome": outcome.value, "count": recorded}
            else:
                reported = await rules.publish_report(consultation_id, context.now)
                after = {"report_published_at": reported.report_published_at}
            context.audit(
                session,
                action=f"consultation_{change}",
                object_type="consultation",
                object_id=consultation_id,
                before=before,
                after=after,
            )
    except (ConsultationError, DraftProblem) as error:
        return await _page(context, consultation_id, error.code, http_status=409)
    except (TextProblem, ValueError):
        return await _page(context, consultation_id, "text", http_status=400)
    return see_other(f"/admin/consultations/{consultation_id}?done={change}")


async def _own_comment(session: Any, consultation_id: int, comment_id: int) -> None:
    comment = await session.get(ConsultationComment, comment_id)
    if comment is None or comment.consultation_id != consultation_id:
        raise ConsultationError("unknown_comment")


async def edit(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "edit")


async def close(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "close")


async def hide(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "hide")


async def approve(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "approve")


async def outcome(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "outcome")


async def report(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "report")


async def moderation_queue(context: AdminContext) -> web.StreamResponse:
    """Comments waiting for a moderator across the consultations the official sees."""
    async with context.database.reading() as session:
        queue = await Consultations(session).moderation_queue()
        titles = dict(
            (
                await session.execute(
                    select(Consultation.id, Consultation.title).where(
                        Consultation.id.in_({item.comment.consultation_id for item in queue})
                    )
                )
            ).all()
        )
        visible = {
            row.id
            for row in await session.scalars(
                _scope(context).where(Consultation.id.in_(list(titles)))
            )
        }
    return context.render(
        "consultation_queue.html",
        queue=[item for item in queue if item.comment.consultation_id in visible],
        titles=titles,
    )


async def report_csv(context: AdminContext) -> web.StreamResponse:
    """Every published comment with its section, kind, outcome and reason; no author."""
    consultation_id = context.int_param("id")
    async with context.database.reading() as session:
        rules = Consultations(session)
        await _visible(context, rules, consultation_id)
        numbers = {s.id: s.number for s in await rules.sections(consultation_id)}
        reported = await rules.reported_comments(consultation_id)
    rows_out = [
        (
            comment.id,
            numbers.get(comment.section_id, 0) if comment.section_id else 0,
            comment.kind.value,
            comment.text,
            comment.outcome.value if comment.outcome else "",
            comment.outcome_reason or "",
        )
        for comment in reported
    ]

    async def rows() -> AsyncGenerator[Row, None]:
        for row in rows_out:
            yield row

    header = ("comment", "section", "kind", "text", "outcome", "reason")
    return await stream_csv(context, f"consultation-{consultation_id}-report.csv", header, rows())


async def waiting_panel(context: AdminContext) -> str | None:
    """On the dashboard: reports due within three days or overdue, and how many comments
    wait for a moderator (the official's authorities only)."""
    now = context.now
    statement = _scope(context)
    async with context.database.reading() as session:
        due = (
            await session.scalars(
                statement.where(
                    Consultation.report_published_at.is_(None),
                    Consultation.closes_at <= now,
                    Consultation.report_due_at <= now + DUE_SOON,
                ).order_by(Consultation.report_due_at)
            )
        ).all()
        waiting = await session.scalar(
            select(func.count())
            .select_from(ConsultationComment)
            .join(Consultation, Consultation.id == ConsultationComment.consultation_id)
            .where(
                ConsultationComment.status == CommentStatus.PENDING,
                Consultation.id.in_(statement.with_only_columns(Consultation.id)),
            )
        )
    if not due and not waiting:
        return None
    return context.render_fragment(
        "consultations_panel.html",
        due=[(row, row.report_due_at < now) for row in due],
        waiting=waiting or 0,
    )


VIEWS = AdminViews(
    routes=(
        AdminRoute("GET", "/consultations", consultation_list),
        AdminRoute("GET", "/consultations/new", new_form, RUN),
        AdminRoute("POST", "/consultations/new", create, RUN),
        AdminRoute("GET", "/consultations/moderation", moderation_queue, MODERATE),
        AdminRoute("GET", "/consultations/{id}", consultation_view),
        AdminRoute("GET", "/consultations/{id}/report.csv", report_csv),
        AdminRoute("POST", "/consultations/{id}/edit", edit, RUN),
        AdminRoute("POST", "/consultations/{id}/close", close, RUN),
        AdminRoute("POST", "/consultations/{id}/outcomes", outcome, RUN),
        AdminRoute("POST", "/consultations/{id}/comments/{comment_id}/outcome", outcome, RUN),
        AdminRoute("POST", "/consultations/{id}/comments/{comment_id}/hide", hide, MODERATE),
        AdminRoute("POST", "/consultations/{id}/comments/{comment_id}/approve", approve, MODERATE),
        AdminRoute("POST", "/consultations/{id}/report", report, RUN),
    ),
    nav=(
        NavEntry("/admin/consultations", lambda t: t._("Consultations")),
        NavEntry(
            "/admin/consultations/moderation", lambda t: t._("Comments to moderate"), MODERATE
        ),
    ),
    panels=(waiting_panel,),
)
