"""A consultation on a three-section draft, and citizens, for the consultations' tests."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from civic.consultations import Consultations, ConsultationTerms
from civic.draft_sections import DraftSection
from storage.consultation_models import Moderation
from storage.db import Database
from storage.models import Citizen
from tests.helpers import make_authority

DAY = timedelta(days=1)
SECTIONS = [
    DraftSection("Стаття 1. Загальні положення", "Рішення визначає порядок благоустрою."),
    DraftSection("Стаття 2. Фінансування", "Кошти передбачаються у бюджеті громади."),
    DraftSection("Стаття 3. Набрання чинності", "Рішення набирає чинності з 1 січня."),
]


async def make_consultation(
    database: Database, now: datetime, *, moderation: Moderation = Moderation.AUTOMATIC
) -> int:
    """A consultation opening in a day for 20 days (the default minimum is 15)."""
    authority_id = await make_authority(database, now, name=f"Рада {uuid.uuid4().hex[:6]}")
    async with database.transaction() as session:
        consultation = await Consultations(session).create(
            ConsultationTerms(
                authority_id=authority_id,
                title="Проєкт рішення про благоустрій парків",
                summary="Порядок благоустрою парків громади та його фінансування.",
                affected="Мешканці громади, підприємства з обслуговування парків.",
                opens_at=now + DAY,
                closes_at=now + 21 * DAY,
                moderation=moderation,
            ),
            SECTIONS,
            now,
        )
        return consultation.id


async def make_citizen(database: Database, now: datetime) -> int:
    async with database.transaction() as session:
        citizen = Citizen(created_at=now)
        session.add(citizen)
        await session.flush()
        return citizen.id
