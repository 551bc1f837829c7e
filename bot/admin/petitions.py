"""The petitions module's admin views: the moderation queue, lists by status, a petition
with its signature curve, and the actions publish, reject (with a reason) and answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin.charts import daily_bars_svg
from bot.admin.context import AdminContext
from bot.admin.contract import AdminRoute, AdminViews, NavEntry
from bot.admin.responses import see_other
from civic import petition_desk as desk
from civic.access import Permission
from civic.audit import record
from civic.information_requests import InformationRequests
from civic.petitions import PetitionError, Petitions
from civic.text import TextProblem
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
    raw_page = query.get("page", "1")
    page = max(int(raw_page), 1) if raw_page.isascii() and raw_page.isdigit() else 1
    page = min(page, 100_000)
    statement = desk.listing(context.official, status, search)
    async with context.database.transaction() as session:
        total = int(
            await session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        )
        petitions = (
            await session.scalars(
                statement.order_by(Petition.submitted_at.desc(), Petition.id.desc())
                .offset((page - 1) * desk.PAGE_SIZE)
                .limit(desk.PAGE_SIZE)
            )
        ).all()
        counts = await desk.counts_of(session, [p.id for p in petitions])
        calendar = await InformationRequests(session, context.zone).calendar()
    rows = []
    for petition in petitions:
        days, overdue = (
            desk.waited(petition, calendar, context.now, context.zone)
            if petition.status is PetitionStatus.MODERATION
            else (None, False)
        )
        rows.append(desk.DeskRow(petition, counts.get(petition.id, 0), days, overdue))
    pages = max((total + desk.PAGE_SIZE - 1) // desk.PAGE_SIZE, 1)
    return context.render(
        "petitions.html",
        rows=rows,
        status=raw_status if status else "",
        statuses=STATUSES,
        search=search,
        page=page,
        pages=pages,
        total=total,
    )


async def _load(context: AdminContext, session: AsyncSession, petition_id: int) -> Petition:
    petition = await session.get(Petition, petition_id)
    if petition is None:
        raise web.HTTPNotFound()
    context.require(Permission.VIEW, petition.authority_id)
    return petition


async def petition_page(
    context: AdminContext, *, http_status: int = 200, problem: str | None = None
) -> web.StreamResponse:
    petition_id = context.int_param("id")
    async with context.database.transaction() as session:
        petition = await _load(context, session, petition_id)
        count = (await desk.counts_of(session, [petition.id])).get(petition.id, 0)
        series = await desk.signatures_per_day(session, petition.id, context.zone, None)
    chart = daily_bars_svg(series) if series else None
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


async def _act(context: AdminContext, action: str, permission: Permission) -> web.StreamResponse:
    from bot.admin.site import posted

    petition_id = context.int_param("id")
    form = posted(context)
    try:
        async with context.database.transaction() as session:
            petition = await _load(context, session, petition_id)
            context.require(permission, petition.authority_id)
            before = _snapshot(petition)
            petitions = Petitions(session)
            if action == "publish":
                petition = await petitions.publish(petition_id, context.now)
            elif action == "reject":
                petition = await petitions.reject(petition_id, form.get("reason"), context.now)
            else:
                petition = await petitions.answer(petition_id, form.get("text"), context.now)
            record(
                session,
                context.actor,
                action=f"petition_{action}",
                object_type="petition",
                object_id=petition_id,
                now=context.now,
                before=before,
                after=_snapshot(petition),
            )
    except PetitionError as error:
        return await petition_page(context, http_status=409, problem=error.code)
    except TextProblem as problem:
        return await petition_page(context, http_status=400, problem=f"text_{problem.kind}")
    return see_other(f"/admin/petitions/{petition_id}?done={action}")


async def publish(context: AdminContext) -> web.StreamResponse:
    return await _act(context, "publish", Permission.MODERATE_PETITIONS)


async def reject(context: AdminContext) -> web.StreamResponse:
    return await _act(context, "reject", Permission.MODERATE_PETITIONS)


async def answer(context: AdminContext) -> web.StreamResponse:
    return await _act(context, "answer", Permission.ANSWER_PETITIONS)


async def waiting_panel(context: AdminContext) -> str | None:
    """Petitions in moderation (how long they waited, overdue after 2 working days),
    petitions awaiting an answer, and signatures per day over the last 30 days."""
    access = context.official
    async with context.database.transaction() as session:
        queue = (
            await session.scalars(
                desk.listing(access, PetitionStatus.MODERATION, "")
                .order_by(Petition.submitted_at)
                .limit(10)
            )
        ).all()
        in_moderation = int(
            await session.scalar(
                select(func.count()).select_from(
                    desk.listing(access, PetitionStatus.MODERATION, "").subquery()
                )
            )
            or 0
        )
        awaiting = int(
            await session.scalar(
                select(func.count()).select_from(
                    desk.listing(access, PetitionStatus.AWAITING_ANSWER, "").subquery()
                )
            )
            or 0
        )
        calendar = await InformationRequests(session, context.zone).calendar()
        since = context.now - timedelta(days=30)
        series = await desk.signatures_per_day(session, None, context.zone, since)
    rows = [desk.DeskRow(p, 0, *desk.waited(p, calendar, context.now, context.zone)) for p in queue]
    return context.render_fragment(
        "petitions_panel.html",
        rows=rows,
        in_moderation=in_moderation,
        awaiting=awaiting,
        series=series,
        chart=daily_bars_svg(series) if series else None,
    )


VIEWS = AdminViews(
    routes=(
        AdminRoute("GET", "/petitions", petition_list),
        AdminRoute("GET", "/petitions/{id}", petition_view),
        AdminRoute("POST", "/petitions/{id}/publish", publish, Permission.MODERATE_PETITIONS),
        AdminRoute("POST", "/petitions/{id}/reject", reject, Permission.MODERATE_PETITIONS),
        AdminRoute("POST", "/petitions/{id}/answer", answer, Permission.ANSWER_PETITIONS),
    ),
    nav=(NavEntry("/admin/petitions", "Petitions"),),
    panels=(waiting_panel,),
)
