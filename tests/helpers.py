"""Making petitions for tests through the civic rules, as an official would."""

from __future__ import annotations

from datetime import datetime

from bot.modules import product_modules
from civic.demo import seed_demo
from civic.petitions import PetitionDraft, Petitions
from civic.text import search_key
from storage.db import Database
from storage.models import Authority, AuthorityLevel, Citizen

BODY = (
    "Просимо облаштувати безпечний пішохідний перехід біля школи, встановити світлофор "
    "і освітлення, бо діти щодня ризикують життям."
)


async def make_authority(
    database: Database, now: datetime, *, threshold: int = 300, days: int = 30, name: str = "Рада"
) -> int:
    async with database.transaction() as session:
        authority = Authority(
            name_uk=name,
            name_en=f"{name} (en)",
            level=AuthorityLevel.LOCAL,
            region="Вінницька область",
            petition_threshold=threshold,
            petition_period_days=days,
            search_text=search_key(name),
            created_at=now,
        )
        session.add(authority)
        await session.flush()
        return authority.id


async def make_open_petition(
    database: Database,
    now: datetime,
    *,
    threshold: int = 300,
    days: int = 30,
    title: str = "Безпечний перехід біля школи № 17",
    authority_id: int | None = None,
) -> int:
    if authority_id is None:
        authority_id = await make_authority(database, now, threshold=threshold, days=days)
    async with database.transaction() as session:
        author = Citizen(created_at=now)
        session.add(author)
        await session.flush()
        petitions = Petitions(session)
        petition = await petitions.submit(
            PetitionDraft(authority_id, title, BODY, "Олена Коваль"), author.id, now
        )
        await petitions.publish(petition.id, now)
        return petition.id


async def seeded(database: Database, now: datetime) -> None:
    async with database.transaction() as session:
        await seed_demo(session, now, product_modules().demo_steps)


async def signature_count(database: Database, petition_id: int) -> tuple[int, int]:
    """(the tally's count, the number of signature rows) for one petition."""
    async with database.transaction() as session:
        petitions = Petitions(session)
        view = await petitions.get(petition_id)
        assert view is not None
        return view.signature_count, await petitions.count_signature_rows(petition_id)
