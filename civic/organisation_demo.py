"""Demo civil-society organisations: the nominators of the demo council election.

Found by their EDRPOU code, so a second run adds nothing. The names are made up and the
codes are not real registry entries (they start with 99, a range the register does not
use for civil-society organisations); contacts are under ``example.org``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.organisations import search_text_of
from storage.organisation_models import Organisation


@dataclass(frozen=True, slots=True)
class DemoOrganisation:
    name: str
    edrpou: str
    region: str | None
    contacts: str
    registered_on: date


ORGANISATIONS = (
    DemoOrganisation(
        "ГО «Прозорий Житомир»",
        "99000011",
        "Житомирська область",
        "info@demo-prozoryi.example.org",
        date(2016, 3, 14),
    ),
    DemoOrganisation(
        "ГО «Ветерани за доброчесність»",
        "99000028",
        None,
        "office@demo-veterany.example.org",
        date(2019, 9, 2),
    ),
    DemoOrganisation(
        "БФ «Відкрита громада»",
        "99000034",
        "Київ",
        "hello@demo-hromada.example.org",
        date(2014, 11, 20),
    ),
    DemoOrganisation(
        "ГО «Центр публічного контролю»",
        "99000040",
        "Львівська область",
        "mail@demo-kontrol.example.org",
        date(2021, 5, 6),
    ),
    DemoOrganisation(
        "ГО «Молодь за реформи»",
        "99000057",
        "Вінницька область",
        "team@demo-molod.example.org",
        date(2022, 1, 18),
    ),
)


async def ensure_demo_organisations(
    session: AsyncSession, now: datetime
) -> tuple[list[Organisation], int]:
    """The demo organisations, verified, added where missing (by code): all of them, and
    how many were added now."""
    codes = [demo.edrpou for demo in ORGANISATIONS]
    found = {
        row.edrpou: row
        for row in await session.scalars(select(Organisation).where(Organisation.edrpou.in_(codes)))
    }
    added = 0
    for demo in ORGANISATIONS:
        if demo.edrpou in found:
            continue
        added += 1
        organisation = Organisation(
            name=demo.name,
            edrpou=demo.edrpou,
            region=demo.region,
            contacts=demo.contacts,
            registered_on=demo.registered_on,
            verified=True,
            search_text=search_text_of(demo.name, demo.edrpou),
            created_at=now,
            updated_at=now,
        )
        session.add(organisation)
        found[demo.edrpou] = organisation
    await session.flush()
    return [found[code] for code in codes], added
