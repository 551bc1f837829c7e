"""The petitions' demo content: open petitions to the demo authorities (one close to its
threshold), with their signatures.

Found by title, so a second run adds nothing. Demo signatures belong to demo citizens
without phones, so that every count still equals its signature rows. Runs after the
directory's demo step; a petition whose authority is missing is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.petitions import PetitionDraft, Petitions
from storage import repositories as repo
from storage.models import Authority, Citizen, Petition, Signature


@dataclass(frozen=True, slots=True)
class DemoPetition:
    authority_uk: str
    title: str
    body: str
    author: str
    days_ago: int
    signatures: int


PETITIONS = [
    DemoPetition(
        "Вінницька міська рада",
        "Облаштувати безпечний пішохідний перехід біля школи № 17",
        "Щодня сотні дітей переходять вулицю біля школи № 17 без світлофора та острівця "
        "безпеки. Просимо облаштувати регульований пішохідний перехід, встановити "
        "світлофор із кнопкою виклику та освітлення переходу до початку навчального року.",
        "Олена Коваль",
        12,
        297,
    ),
    DemoPetition(
        "Кабінет Міністрів України",
        "Запровадити безбар'єрний доступ до всіх державних сервісів онлайн",
        "Просимо зобов'язати органи влади забезпечити відповідність усіх державних "
        "вебсервісів стандарту доступності WCAG 2.1 рівня AA, щоб люди з порушеннями зору, "
        "слуху та руху могли самостійно отримувати публічні послуги.",
        "Андрій Мельник",
        20,
        1234,
    ),
    DemoPetition(
        "Київська міська рада",
        "Створити мережу велодоріжок, що з'єднує всі райони Києва",
        "Пропонуємо розробити та затвердити програму будівництва безперервної мережі "
        "захищених велодоріжок між усіма районами міста з паркуванням біля станцій метро, "
        "щоб зменшити затори та забруднення повітря.",
        "Ірина Шевчук",
        3,
        56,
    ),
]


async def seed_petitions(session: AsyncSession, now: datetime) -> Mapping[str, int]:
    petitions = Petitions(session)
    added = 0
    for demo in PETITIONS:
        exists = (
            await session.execute(select(Petition.id).where(Petition.title == demo.title))
        ).first()
        authority_id = await session.scalar(
            select(Authority.id).where(Authority.name_uk == demo.authority_uk)
        )
        if exists is not None or authority_id is None:
            continue
        author = Citizen(created_at=now)
        session.add(author)
        await session.flush()
        started = now - timedelta(days=demo.days_ago)
        draft = PetitionDraft(authority_id, demo.title, demo.body, demo.author)
        petition = await petitions.submit(draft, author.id, started - timedelta(days=1))
        await petitions.publish(petition.id, started)
        await _add_demo_signatures(session, petition.id, demo.signatures, started)
        added += 1
    return {"petitions": added}


async def _add_demo_signatures(
    session: AsyncSession, petition_id: int, count: int, started: datetime
) -> None:
    if count <= 0:
        return
    citizen_ids = (
        await session.scalars(
            insert(Citizen).returning(Citizen.id, sort_by_parameter_order=True),
            [{"created_at": started} for _ in range(count)],
        )
    ).all()
    await session.execute(
        insert(Signature),
        [
            {
                "petition_id": petition_id,
                "citizen_id": citizen_id,
                "channel": "telegram" if index % 3 else "viber",
                "signed_at": started + timedelta(minutes=index),
            }
            for index, citizen_id in enumerate(citizen_ids)
        ],
    )
    await repo.add_many_to_tally(session, petition_id, citizen_ids)
