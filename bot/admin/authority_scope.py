"""What the admin views of the authority-bound modules (polls, elections,
consultations) share: their items limited to the authorities the official may see, a
page of them, and the authorities an official may create an item for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from aiohttp import web
from sqlalchemy import ColumnElement, Select, func, select

from bot.admin.context import AdminContext, pages_for
from storage.models import Authority

T = TypeVar("T")


class OfAnAuthority(Protocol):
    authority_id: int


def within(context: AdminContext, statement: Select[Any], column: Any) -> Select[Any]:
    """``statement`` limited to the official's authorities (all of them: unchanged)."""
    if context.official.authority_ids is None:
        return statement
    return statement.where(column.in_(context.official.authority_ids))


def visible(context: AdminContext, item: OfAnAuthority | None) -> None:
    """404 for an item that does not exist or belongs to an authority the official
    does not see: probing ids tells nothing."""
    if item is None or not context.official.sees_authority(item.authority_id):
        raise web.HTTPNotFound()


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: Sequence[T]
    page: int
    pages: int
    total: int


async def page_of(
    context: AdminContext,
    statement: Select[T],
    order: Sequence[ColumnElement[Any]],
    size: int,
) -> Page[T]:
    """The page the request asks for, and how many rows and pages there are."""
    page = context.page_number()
    async with context.database.reading() as session:
        total = await session.scalar(select(func.count()).select_from(statement.subquery()))
        rows = (
            await session.scalars(statement.order_by(*order).offset((page - 1) * size).limit(size))
        ).all()
    return Page(rows, page, pages_for(total or 0, size), total or 0)


async def authorities_for(context: AdminContext) -> Sequence[Authority]:
    """The authorities the official may create an item for, by name."""
    statement = within(context, select(Authority).order_by(Authority.name_uk), Authority.id)
    async with context.database.reading() as session:
        return (await session.scalars(statement)).all()
