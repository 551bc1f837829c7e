"""Emptying every table between tests, the audit log included.

The audit log refuses UPDATE and DELETE by trigger (migration 0004), as it must in
production; tests lift that for the one transaction that empties the database: PostgreSQL
skips ordinary triggers under ``session_replication_role = replica`` (the test role is a
superuser), SQLite's triggers are dropped and made again inside the same transaction.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


async def empty_every_table(session: AsyncSession) -> None:
    dialect = session.bind.dialect.name
    recreate: list[str] = []
    if dialect == "postgresql":
        await session.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        rows = await session.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        )
        for name, sql in rows.all():
            await session.execute(text(f'DROP TRIGGER "{name}"'))
            recreate.append(sql)
    for table in reversed(Base.metadata.sorted_tables):
        await session.execute(table.delete())
    for sql in recreate:
        await session.execute(text(sql))
    if dialect == "postgresql":
        await session.execute(text("SET LOCAL session_replication_role = origin"))
