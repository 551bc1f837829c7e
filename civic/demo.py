"""Demo content (``vzayemodiia seed-demo``): each module seeds its own, in module order.

Every step is idempotent (it finds what it added before by a natural key and adds nothing
twice) and says what it added, as counts: ``{"authorities": 6}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

DemoStep = Callable[[AsyncSession, datetime], Awaitable[Mapping[str, int]]]


async def seed_demo(
    session: AsyncSession, now: datetime, steps: Sequence[DemoStep]
) -> dict[str, int]:
    """Every module's demo content, in module order; what was added, summed by kind."""
    added: dict[str, int] = {}
    for step in steps:
        for what, count in (await step(session, now)).items():
            added[what] = added.get(what, 0) + count
    return added
