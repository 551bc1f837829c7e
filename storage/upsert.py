"""``INSERT … ON CONFLICT`` for both dialects, behind one call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


def table_of(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert_for(session: AsyncSession, model: type[Base]) -> Any:
    """The dialect's own ``insert`` construct, which knows ``on_conflict_do_*``.

    Typed ``Any`` because the two dialects' constructs share no declared base with those
    methods; every use is covered by tests on both dialects.
    """
    return insert_on(dialect_of(session), model)


def insert_on(dialect: str, model: type[Base]) -> Any:
    """``insert_for`` by dialect name, for statements built once and reused.

    A Core insert into the model's table: the ORM's bulk-insert machinery (which an insert
    naming the mapped class goes through) costs about 70 us a statement and gives nothing
    to a statement that returns plain columns.
    """
    table = table_of(model)
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
