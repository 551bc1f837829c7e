"""Demo content (``vzayemodiia seed-demo``): authorities with their contacts, petitions
and their signatures.

Idempotent: authorities are found by their Ukrainian name and petitions by title, so a
second run adds nothing (nor changes an authority already there, contacts included).
Demo signatures belong to demo citizens without phones, so that every count still equals
its signature rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.petitions import NATIONAL_PERIOD_MONTHS, NATIONAL_THRESHOLD, PetitionDraft, Petitions
from civic.text import search_key
from storage import repositories as repo
from storage.models import Authority, AuthorityLevel, Citizen, Petition, Signature


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


@dataclass(frozen=True, slots=True)
class SeedReport:
    authorities_added: int
    petitions_added: int


async def seed_demo(session: AsyncSession, now: datetime) -> SeedReport:
    by_name: dict[str, Authority] = {}
    added_authorities = 0
    for item in AUTHORITIES:
        found = (
            await session.execute(select(Authority).where(Authority.name_uk == item.name_uk))
        ).scalar_one_or_none()
        if found is None:
            found = Authority(
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
            session.add(found)
            added_authorities += 1
        by_name[item.name_uk] = found
    await session.flush()

    petitions = Petitions(session)
    added_petitions = 0
    for demo in PETITIONS:
        exists = (
            await session.execute(select(Petition.id).where(Petition.title == demo.title))
        ).first()
        if exists is not None:
            continue
        author = Citizen(created_at=now)
        session.add(author)
        await session.flush()
        started = now - timedelta(days=demo.days_ago)
        draft = PetitionDraft(by_name[demo.authority_uk].id, demo.title, demo.body, demo.author)
        petition = await petitions.submit(draft, author.id, started - timedelta(days=1))
        await petitions.publish(petition.id, started)
        await _add_demo_signatures(session, petition.id, demo.signatures, started)
        added_petitions += 1
    return SeedReport(added_authorities, added_petitions)


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
