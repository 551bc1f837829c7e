"""``INSERT … ON CONFLICT`` for both dialects, behind one call."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


def insert_for(session: AsyncSession, model: type[Base]) -> Any:
    """The dialect's own ``insert`` construct, which knows ``on_conflict_do_*``.

    Typed ``Any`` because the two dialects' constructs share no declared base with those
    methods; every use is covered by tests on both dialects.
    """
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
