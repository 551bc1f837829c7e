"""The demo council election: open for a week at the Cabinet of Ministers' public
council, with a candidate from each demo organisation. Found by its title, so a second
run adds nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.elections import Elections, ElectionTerms
from civic.organisation_demo import ensure_demo_organisations
from storage.election_models import Election
from storage.models import Authority

TITLE = "Вибори до громадської ради при Кабінеті Міністрів України"
AUTHORITY = "Кабінет Міністрів України"
CANDIDATES = (
    ("Оксана Гребенюк", "Юристка, 12 років захищає права мешканців у спорах із забудовниками."),
    ("Андрій Мельничук", "Ветеран, керує програмою працевлаштування ветеранів у громадах."),
    ("Ірина Ковальчук", "Аналітикиня публічних закупівель, авторка моніторингу Prozorro."),
    ("Тарас Гнатюк", "Інженер, координує відновлення шкіл на деокупованих територіях."),
    ("Марія Бондар", "Студентка права, засновниця молодіжного клубу дебатів."),
)


async def seed_election(session: AsyncSession, now: datetime) -> Mapping[str, int]:
    found = await session.scalar(select(Election.id).where(Election.title == TITLE))
    authority_id = await session.scalar(select(Authority.id).where(Authority.name_uk == AUTHORITY))
    if found is not None or authority_id is None:
        return {"elections": 0}
    organisations, _added = await ensure_demo_organisations(session, now)
    rules = Elections(session)
    # Candidates are nominated before voting opens, so the election opens a moment later.
    election = await rules.create(
        authority_id,
        ElectionTerms(
            title=TITLE,
            seats=3,
            max_choices=2,
            opens_at=now + timedelta(seconds=1),
            closes_at=now + timedelta(days=7),
        ),
        now,
    )
    for (name, biography), organisation in zip(CANDIDATES, organisations, strict=True):
        await rules.nominate(election.id, organisation.id, name, biography, now)
    election.opens_at = now
    return {"elections": 1}
