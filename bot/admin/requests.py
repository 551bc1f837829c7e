"""The information requests module's admin views: the inbox per authority sorted by due
date (overdue highlighted with how late), a request with how its due date was counted,
and the actions answer (text and files), clarify, extend and refuse."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin import request_exports
from bot.admin.context import AdminContext, pages_for
from bot.admin.contract import AdminRoute, AdminViews, NavEntry
from bot.admin.forms import Form, posted
from bot.admin.responses import see_other
from civic.access import Access, Permission
from civic.deadlines import Lateness, deadline, time_left
from civic.information_requests import (
    OPEN,
    AttachedFile,
    InformationRequests,
    RefusalReason,
    RequestError,
    term_rule,
)
from civic.text import TextProblem
from civic.working_days import WorkingCalendar
from handlers import request_views
from storage.models import Authority, InformationRequest, RequestStatus

PAGE_SIZE = 25
STATUSES = [status.value for status in RequestStatus]
GROUNDS = [reason.value for reason in RefusalReason]


def _in_scope(statement: Any, access: Access) -> Any:
    if access.authority_ids is None:
        return statement
    return statement.where(InformationRequest.authority_id.in_(sorted(access.authority_ids)))


def _snapshot(request: InformationRequest) -> dict[str, Any]:
    return {
        "status": request.status,
        "due_at": request.due_at,
        "answer_text": request.answer_text,
        "clarification_question": request.clarification_question,
        "extension_reason": request.extension_reason,
        "refusal_reason": request.refusal_reason,
        "refusal_text": request.refusal_text,
    }


async def inbox(context: AdminContext) -> web.StreamResponse:
    query = context.request.query
    raw_status = query.get("status", "open")
    raw_authority = query.get("authority", "")
    page = context.page_number()
    statement = _in_scope(select(InformationRequest), context.official)
    if raw_status == "open":
        statement = statement.where(InformationRequest.status.in_(OPEN))
    elif raw_status in STATUSES:
        statement = statement.where(InformationRequest.status == RequestStatus(raw_status))
    else:
        raw_status = "all"
    authority_id = int(raw_authority) if raw_authority.isdigit() else None
    if authority_id is not None:
        statement = statement.where(InformationRequest.authority_id == authority_id)
    search = query.get("q", "").strip()[:40]
    if search:
        statement = statement.where(InformationRequest.number.contains(search, autoescape=True))
    async with context.database.transaction() as session:
        total = await session.scalar(statement.with_only_columns(func.count(InformationRequest.id)))
        requests = (
            await session.scalars(
                statement.order_by(InformationRequest.due_at, InformationRequest.id)
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
        ).all()
        calendar = await InformationRequests(session, context.zone).calendar()
        authorities = (
            await session.execute(
                _authorities_in_scope(context.official).order_by(Authority.name_uk)
            )
        ).all()
    return context.render(
        "requests.html",
        rows=[_row(context, request, calendar) for request in requests],
        status=raw_status,
        statuses=STATUSES,
        authorities=authorities,
        authority_id=authority_id,
        search=search,
        page=page,
        pages=pages_for(total or 0, PAGE_SIZE),
        total=total or 0,
    )


def _row(
    context: AdminContext, request: InformationRequest, calendar: WorkingCalendar
) -> tuple[InformationRequest, str | None, bool]:
    """A request in a list: with the time left (or how late) while it is open."""
    if request.status not in OPEN:
        return request, None, False
    left = time_left(request.due_at, context.now, calendar, context.zone)
    label = request_views.time_left_label(context.texts, left)
    return request, label, left.lateness is not Lateness.ON_TIME


def _authorities_in_scope(access: Access) -> Any:
    statement = select(Authority.id, Authority.name_uk, Authority.name_en)
    if access.authority_ids is not None:
        statement = statement.where(Authority.id.in_(sorted(access.authority_ids)))
    return statement


async def _load(
    context: AdminContext, session: AsyncSession, request_id: int
) -> InformationRequest:
    request = await session.get(InformationRequest, request_id)
    if request is None:
        raise web.HTTPNotFound()
    context.require(Permission.VIEW, request.authority_id)
    return request


async def request_page(
    context: AdminContext, *, http_status: int = 200, problem: str | None = None
) -> web.StreamResponse:
    request_id = context.int_param("id")
    async with context.database.transaction() as session:
        request = await _load(context, session, request_id)
        rules = InformationRequests(session, context.zone)
        calendar = await rules.calendar()
        attachments = await rules.attachments(request.id)
    term = deadline(request.term_start_at, term_rule(request), calendar, context.zone)
    left = (
        time_left(request.due_at, context.now, calendar, context.zone)
        if request.status in OPEN
        else None
    )
    t = context.texts
    return context.render(
        "request.html",
        http_status=http_status,
        request=request,
        status_label=request_views.status_label(t, request.status),
        how_counted=request_views.explain_deadline(t, term),
        left=request_views.time_left_label(t, left) if left else None,
        late=left is not None and left.lateness is not Lateness.ON_TIME,
        attachments=attachments,
        grounds=[(g, request_views.refusal_label(t, g)) for g in GROUNDS],
        refusal=request_views.refusal_label(t, request.refusal_reason),
        may_act=context.official.may(Permission.HANDLE_REQUESTS, request.authority_id),
        problem=problem,
    )


async def request_view(context: AdminContext) -> web.StreamResponse:
    return await request_page(context)


# An action: the rule to apply, given the requests' rules, the id, the form and the time.
Change = Callable[[InformationRequests, int, Form, datetime], Awaitable[InformationRequest]]


def action(name: str, change: Change) -> AdminRoute:
    """The POST route of one action: checks, the rule, the audit entry, the redirect."""

    async def act(context: AdminContext) -> web.StreamResponse:
        request_id = context.int_param("id")
        form = posted(context.request)
        try:
            async with context.database.transaction() as session:
                request = await _load(context, session, request_id)
                context.require(Permission.HANDLE_REQUESTS, request.authority_id)
                before = _snapshot(request)
                rules = InformationRequests(session, context.zone)
                request = await change(rules, request_id, form, context.now)
                after = _snapshot(request)
                if uploaded := [file.filename for file in form.files.get("files", [])]:
                    after["files"] = uploaded
                context.audit(
                    session,
                    action=f"request_{name}",
                    object_type="information_request",
                    object_id=request_id,
                    before=before,
                    after=after,
                )
        except RequestError as error:
            return await request_page(context, http_status=409, problem=error.code)
        except TextProblem as problem:
            return await request_page(context, http_status=400, problem=f"text_{problem.kind}")
        return see_other(f"/admin/requests/{request_id}?done={name}")

    return AdminRoute("POST", f"/requests/{{id}}/{name}", act, Permission.HANDLE_REQUESTS)


async def _answer(
    rules: InformationRequests, request_id: int, form: Form, now: datetime
) -> InformationRequest:
    files = [AttachedFile(f.filename, f.media_type, f.content) for f in form.files.get("files", [])]
    partly = form.get("partly") == "1"
    return await rules.answer(request_id, form.get("text"), now, partly=partly, files=files)


async def _extend(
    rules: InformationRequests, request_id: int, form: Form, now: datetime
) -> InformationRequest:
    return (await rules.extend(request_id, form.get("reason"), now)).request


async def _refuse(
    rules: InformationRequests, request_id: int, form: Form, now: datetime
) -> InformationRequest:
    ground = form.get("ground")
    if ground not in GROUNDS:
        raise RequestError("bad_ground")
    return await rules.refuse(request_id, RefusalReason(ground), form.get("text"), now)


async def waiting_panel(context: AdminContext) -> str | None:
    """Open requests due within two working days or past due, soonest first."""
    statement = _in_scope(select(InformationRequest), context.official).where(
        InformationRequest.status.in_(OPEN)
    )
    async with context.database.transaction() as session:
        soonest = (
            await session.scalars(statement.order_by(InformationRequest.due_at).limit(10))
        ).all()
        calendar = await InformationRequests(session, context.zone).calendar()
    rows = []
    for request in soonest:
        left = time_left(request.due_at, context.now, calendar, context.zone)
        if left.lateness is Lateness.ON_TIME and left.working_days > 2:
            break  # sorted by due date: the rest is later still
        rows.append(_row(context, request, calendar))
    return context.render_fragment("requests_panel.html", rows=rows)


VIEWS = AdminViews(
    routes=(
        *request_exports.ROUTES,
        AdminRoute("GET", "/requests", inbox),
        AdminRoute("GET", "/requests/{id}", request_view),
        action("answer", _answer),
        action(
            "clarify",
            lambda rules, request_id, form, now: rules.ask_clarification(
                request_id, form.get("question"), now
            ),
        ),
        action("extend", _extend),
        action("refuse", _refuse),
    ),
    nav=(NavEntry("/admin/requests", lambda t: t._("Information requests")),),
    panels=(waiting_panel,),
)
