"""A page of a table's rows by id, for the open-data lists: ``cursor`` is the last id
already read, ``limit`` the page size; one row more than the page is read to know
whether there is a next page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.web.routes import DEFAULT_LIMIT, ApiCall

Row = TypeVar("Row")
Item = TypeVar("Item", bound="HasId")


class HasId(Protocol):
    @property
    def id(self) -> int: ...


async def keyset_page(
    call: ApiCall,
    model: type[Row],
    item: Callable[[AsyncSession, Row], Awaitable[Item]],
) -> tuple[list[Item], str | None]:
    """The page's items, each made from its row in the same read-only session, and the
    next page's URL (None on the last page)."""
    limit = call.query["limit"] or DEFAULT_LIMIT
    key: Any = model.id  # type: ignore[attr-defined]  # every listed model has an id
    statement = select(model).order_by(key).limit(limit + 1)
    if call.query["cursor"] is not None:
        statement = statement.where(key > call.query["cursor"])
    async with call.database.reading() as session:
        rows = list(await session.scalars(statement))
        items = [await item(session, row) for row in rows[:limit]]
    more = len(rows) > limit
    return items, call.next_page(items[-1].id) if more else None
