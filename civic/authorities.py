"""The directory of authorities: finding one by words in its name, browsing by level and
region."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.text import search_words
from storage.models import Authority, AuthorityLevel

LEVEL_ORDER = {"national": 0, "regional": 1, "local": 2}


class Authorities:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, authority_id: int) -> Authority | None:
        return await self.session.get(Authority, authority_id)

    async def find(self, query: str = "", limit: int = 10) -> Sequence[Authority]:
        """Authorities whose names contain every typed word, national ones first."""
        statement = select(Authority)
        for word in search_words(query):
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            statement = statement.where(Authority.search_text.like(f"%{escaped}%", escape="\\"))
        found = (await self.session.execute(statement.limit(200))).scalars().all()
        ordered = sorted(found, key=lambda a: (LEVEL_ORDER[a.level.value], a.name_uk))
        return ordered[:limit]

    async def regions(self, level: AuthorityLevel) -> list[str]:
        """The regions that have authorities of ``level``, in alphabetical order."""
        statement = (
            select(Authority.region)
            .where(Authority.level == level, Authority.region.is_not(None))
            .distinct()
        )
        return sorted(str(region) for region in (await self.session.scalars(statement)))

    async def browse(
        self, level: AuthorityLevel, region: str | None = None, limit: int = 30
    ) -> Sequence[Authority]:
        """Authorities of ``level`` (in ``region`` when given), by name."""
        statement = select(Authority).where(Authority.level == level)
        if region is not None:
            statement = statement.where(Authority.region == region)
        statement = statement.order_by(Authority.name_uk).limit(limit)
        return (await self.session.execute(statement)).scalars().all()
