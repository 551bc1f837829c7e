"""The petitions module's admin views: the moderation queue, lists by status, a petition
with its signature curve, and the actions publish, reject (with a reason) and answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin import petition_exports
from bot.admin.charts import Series
from bot.admin.context import AdminContext, pages_for
from bot.admin.contract import AdminRoute, AdminViews, NavEntry
from bot.admin.forms import Form, posted
from bot.admin.responses import see_other
from civic import petition_desk as desk
from civic.access import Permission
from civic.information_requests import InformationRequests
from civic.petitions import PetitionError, Petitions
from civic.text import TextProblem
from storage import repositories as repo
from storage.models import Petition, PetitionStatus

STATUSES = [status.value for status in PetitionStatus]


def _snapshot(petition: Petition) -> dict[str, Any]:
    return {
        "status": petition.status,
        "published_at": petition.published_at,
        "closes_at": petition.closes_at,
        "rejection_reason": petition.rejection_reason,
        "answer_text": petition.answer_text,
    }


async def petition_list(context: AdminContext) -> web.StreamResponse:
    query = context.request.query
    raw_status = query.get("status", "")
    status = PetitionStatus(raw_status) if raw_status in STATUSES else None
    search = query.get("q", "")[:100]
    page = context.page_number()
    statement = desk.listing(context.official, [status] if status else None, search)
    async with context.database.transaction() as session:
        total = await session.scalar(statement.with_only_columns(func.count(Petition.id)))
        found = (
            await session.execute(
                statement.order_by(Petition.submitted_at.desc(), Petition.id.desc())
                .offset((page - 1) * desk.PAGE_SIZE)
                .limit(desk.PAGE_SIZE)
            )
        ).all()
        calendar = await InformationRequests(session, context.zone).calendar()
    return context.render(
        "petitions.html",
        rows=desk.rows_of(found, calendar, context.now, context.zone),
        status=raw_status if status else "",
        statuses=STATUSES,
        search=search,
        page=page,
        pages=pages_for(total or 0, desk.PAGE_SIZE),
        total=total or 0,
    )


async def _load(
    context: AdminContext, session: AsyncSession, petition_id: int
) -> tuple[Petition, int]:
    """The petition with its count, if the official may see it (else "not found")."""
    found = await repo.petition_with_count(session, petition_id)
    if found is None:
        raise web.HTTPNotFound()
    context.require(Permission.VIEW, found[0].authority_id)
    return found


async def petition_page(
    context: AdminContext, *, http_status: int = 200, problem: str | None = None
) -> web.StreamResponse:
    petition_id = context.int_param("id")
    async with context.database.transaction() as session:
        petition, count = await _load(context, session, petition_id)

    async def per_day() -> Series:
        async with context.database.reading() as session:
            return await desk.signatures_per_day(session, petition_id, context.zone, None)

    series, chart = await context.charts.get(("petition", petition_id), per_day)
    access = context.official
    return context.render(
        "petition.html",
        http_status=http_status,
        petition=petition,
        count=count,
        series=series,
        chart=chart,
        problem=problem,
        may_moderate=access.may(Permission.MODERATE_PETITIONS, petition.authority_id),
        may_answer=access.may(Permission.ANSWER_PETITIONS, petition.authority_id),
    )


async def petition_view(context: AdminContext) -> web.StreamResponse:
    return await petition_page(context)


# An action: the rule to apply, given the petition's rules, its id, the form and the time.
Change = Callable[[Petitions, int, Form, datetime], Awaitable[Petition]]


def action(name: str, permission: Permission, change: Change) -> AdminRoute:
    """The POST route of one action: checks, the rule, the audit entry, the redirect."""

    async def act(context: AdminContext) -> web.StreamResponse:
        petition_id = context.int_param("id")
        form = posted(context.request)
        try:
            async with context.database.transaction() as session:
                petition, _count = await _load(context, session, petition_id)
                context.require(permission, petition.authority_id)
                before = _snapshot(petition)
                petition = await change(Petitions(session), petition_id, form, context.now)
                context.audit(
                    session,
                    action=f"petition_{name}",
                    object_type="petition",
                    object_id=petition_id,
                    before=before,
                    after=_snapshot(petition),
                )
        except PetitionError as error:
            return await petition_page(context, http_status=409, problem=error.code)
        except TextProblem as problem:
            return await petition_page(context, http_status=400, problem=f"text_{problem.kind}")
        return see_other(f"/admin/petitions/{petition_id}?done={name}")

    return AdminRoute("POST", f"/petitions/{{id}}/{name}", act, permission)


async def waiting_panel(context: AdminContext) -> str | None:
    """Petitions in moderation (how long they waited, overdue after 2 working days),
    petitions awaiting an answer, and signatures per day over the last 30 days."""
    access = context.official
    waiting = [PetitionStatus.MODERATION, PetitionStatus.AWAITING_ANSWER]
    async with context.database.transaction() as session:
        queue = (
            await session.execute(
                desk.listing(access, [PetitionStatus.MODERATION])
                .order_by(Petition.submitted_at)
                .limit(10)
            )
        ).all()
        counts = await desk.counts_by_status(session, access, waiting)
        calendar = await InformationRequests(session, context.zone).calendar()
    today = context.now.astimezone(context.zone).date()
    since = context.now - timedelta(days=30)

    async def per_day() -> Series:
        async with context.database.reading() as session:
            return await desk.signatures_per_day(session, None, context.zone, since)

    series, chart = await context.charts.get(("last 30 days", today), per_day)
    return context.render_fragment(
        "petitions_panel.html",
        rows=desk.rows_of(queue, calendar, context.now, context.zone),
        in_moderation=counts[PetitionStatus.MODERATION],
        awaiting=counts[PetitionStatus.AWAITING_ANSWER],
        series=series,
        chart=chart,
    )


VIEWS = AdminViews(
    routes=(
        *petition_exports.ROUTES,
        AdminRoute("GET", "/petitions", petition_list),
        AdminRoute("GET", "/petitions/{id}", petition_view),
        action(
            "publish",
            Permission.MODERATE_PETITIONS,
            lambda rules, petition_id, _form, now: rules.publish(petition_id, now),
        ),
        action(
            "reject",
            Permission.MODERATE_PETITIONS,
            lambda rules, petition_id, form, now: rules.reject(
                petition_id, form.get("reason"), now
            ),
        ),
        action(
            "answer",
            Permission.ANSWER_PETITIONS,
            lambda rules, petition_id, form, now: rules.answer(petition_id, form.get("text"), now),
        ),
    ),
    nav=(NavEntry("/admin/petitions", lambda t: t._("Petitions")),),
    panels=(waiting_panel,),
)
