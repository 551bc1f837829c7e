"""The demo consultation: a city council's draft decision on its parks, open for 20
days, its sections read from Markdown as an official's upload would be. Found by its
title, so a second run adds nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.consultations import Consultations, ConsultationTerms
from civic.draft_sections import read_draft
from storage.consultation_models import Consultation
from storage.models import Authority, AuthorityLevel

TITLE = "Проєкт рішення «Про правила благоустрою парків і скверів»"
DRAFT = """# Про правила благоустрою парків і скверів

## 1. Загальні положення

Правила визначають вимоги до утримання парків і скверів громади, обов'язки
балансоутримувачів і права мешканців.

## 2. Освітлення і безпека

Головні алеї парків освітлюються з настанням темряви до 23:00. Біля дитячих
майданчиків встановлюються кнопки виклику допомоги.

## 3. Лавки, урни і вбиральні

На кожні 100 метрів алеї встановлюється щонайменше дві лавки та одна урна.
У парках площею понад 5 гектарів облаштовується безоплатна вбиральня.

## 4. Набрання чинності

Рішення набирає чинності з 1 березня 2027 року.
"""


async def seed_consultation(session: AsyncSession, now: datetime) -> Mapping[str, int]:
    found = await session.scalar(select(Consultation.id).where(Consultation.title == TITLE))
    authority_id = await session.scalar(
        select(Authority.id)
        .where(Authority.level == AuthorityLevel.LOCAL)
        .order_by(Authority.id)
        .limit(1)
    )
    if found is not None or authority_id is None:
        return {"consultations": 0}
    draft = read_draft("parks.md", DRAFT.encode())
    await Consultations(session).create(
        ConsultationTerms(
            authority_id=authority_id,
            title=TITLE,
            summary=(
                "Міська рада пропонує єдині правила благоустрою парків: освітлення, "
                "безпека, лавки, урни і вбиральні. Висловіться щодо кожного розділу."
            ),
            affected="Мешканці громади, відвідувачі парків, комунальні підприємства.",
            opens_at=now,
            closes_at=now + timedelta(days=20),
        ),
        draft.sections,
        now,
    )
    return {"consultations": 1}
