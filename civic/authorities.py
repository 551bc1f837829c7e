"""The directory of authorities, as far as petitions need it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.text import search_words
from storage.models import Authority

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
