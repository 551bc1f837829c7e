"""The directory's demo content: authorities at national, regional and local level with
their (demo) contacts.

Found by their Ukrainian name, so a second run adds nothing (nor changes an authority
already there, contacts included). Phones, e-mail addresses and websites are made up
under ``example.org``, so no demo request is ever mailed to a real office.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.petitions import NATIONAL_PERIOD_MONTHS, NATIONAL_THRESHOLD
from civic.text import search_key
from storage.models import Authority, AuthorityLevel


@dataclass(frozen=True, slots=True)
class DemoAuthority:
    name_uk: str
    name_en: str
    level: AuthorityLevel
    region: str | None
    threshold: int
    months: int | None
    days: int | None
    # Contacts for the directory. The addresses are the bodies' public ones; the phones,
    # mailboxes and sites are made up: every domain is under example.org (reserved, RFC
    # 2606), so no demo request is ever mailed to a real office.
    address: str | None = None
    phone: str | None = None  # E.164
    request_email: str | None = None
    website: str | None = None
    public_council_url: str | None = None


AUTHORITIES = [
    DemoAuthority(
        "Президент України",
        "President of Ukraine",
        AuthorityLevel.NATIONAL,
        None,
        NATIONAL_THRESHOLD,
        NATIONAL_PERIOD_MONTHS,
        None,
        address="вул. Банкова, 11, м. Київ, 01220",
        phone="+380442000001",
        request_email="zapyt@demo-president.example.org",
        website="https://demo-president.example.org",
    ),
    DemoAuthority(
        "Верховна Рада України",
        "Verkhovna Rada of Ukraine",
        AuthorityLevel.NATIONAL,
        None,
        NATIONAL_THRESHOLD,
        NATIONAL_PERIOD_MONTHS,
        None,
        address="вул. Михайла Грушевського, 5, м. Київ, 01008",
        phone="+380442000002",
        request_email="zapyt@demo-rada.example.org",
        website="https://demo-rada.example.org",
    ),
    DemoAuthority(
        "Кабінет Міністрів України",
        "Cabinet of Ministers of Ukraine",
        AuthorityLevel.NATIONAL,
        None,
        NATIONAL_THRESHOLD,
        NATIONAL_PERIOD_MONTHS,
        None,
        address="вул. Михайла Грушевського, 12/2, м. Київ, 01008",
        phone="+380442000003",
        request_email="zapyt@demo-kmu.example.org",
        website="https://demo-kmu.example.org",
        public_council_url="https://demo-kmu.example.org/hromadska-rada",
    ),
    DemoAuthority(
        "Львівська обласна рада",
        "Lviv Regional Council",
        AuthorityLevel.REGIONAL,
        "Львівська область",
        1000,
        None,
        60,
        address="вул. Винниченка, 18, м. Львів, 79008",
        phone="+380322000000",
        request_email="zapyt@demo-lvivoblrada.example.org",
        website="https://demo-lvivoblrada.example.org",
    ),
    DemoAuthority(
        "Київська міська рада",
        "Kyiv City Council",
        AuthorityLevel.LOCAL,
        "м. Київ",
        10000,
        3,
        None,
        address="вул. Хрещатик, 36, м. Київ, 01044",
        phone="+380442000004",
        request_email="zapyt@demo-kmda.example.org",
        website="https://demo-kmda.example.org",
        public_council_url="https://demo-kmda.example.org/hromadska-rada",
    ),
    DemoAuthority(
        "Вінницька міська рада",
        "Vinnytsia City Council",
        AuthorityLevel.LOCAL,
        "Вінницька область",
        300,
        None,
        30,
        address="вул. Соборна, 59, м. Вінниця, 21050",
        phone="+380432000000",
        request_email="zapyt@demo-vmr.example.org",
        website="https://demo-vmr.example.org",
        public_council_url="https://demo-vmr.example.org/hromadska-rada",
    ),
]


async def seed_authorities(session: AsyncSession, now: datetime) -> Mapping[str, int]:
    added = 0
    for item in AUTHORITIES:
        found = (
            await session.execute(select(Authority.id).where(Authority.name_uk == item.name_uk))
        ).first()
        if found is not None:
            continue
        session.add(
            Authority(
                name_uk=item.name_uk,
                name_en=item.name_en,
                level=item.level,
                region=item.region,
                petition_threshold=item.threshold,
                petition_period_months=item.months,
                petition_period_days=item.days,
                search_text=search_key(item.name_uk, item.name_en),
                address=item.address,
                phone=item.phone,
                request_email=item.request_email,
                website=item.website,
                public_council_url=item.public_council_url,
                created_at=now,
            )
        )
        added += 1
    await session.flush()
    return {"authorities": added}
