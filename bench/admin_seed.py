"""The database of bench/admin_pages.py: a fresh PostgreSQL database with a year's worth of
a large city's civic traffic, made by bulk SQL (not timed).

What ``seed`` writes, with the default sizes:

- 50 **authorities**: the President (national, 25,000 signatures in 3 months), the Kyiv
  City Council (10,000 in 90 days), 24 oblast councils (1,000-3,000 in 60 days) and 24
  city councils (250-1,000 in 30-60 days), each with contacts;
- 100,000 **citizens** with verified phones, each with a Telegram (70 %) or Viber
  account (``INSERT ... SELECT generate_series``);
- 2,000 **petitions** over those authorities, planned here and copied in with ``COPY``:
  3 % in moderation (submitted in the last week, some past the two working days), 9.5 %
  rejected, the rest published in the last 60 days. Each published petition gets a
  signature count from a Zipf-like law (rank ``r`` weighs ``1/(r+5)^1.2``), scaled so
  that the counts add up to exactly 1,000,000, and capped at its threshold: a petition
  whose count reaches the threshold is awaiting an answer or answered (its signatures
  stop when it was reached, as the signing rule does), one whose term ended below it is
  closed, the rest are open. So open and closed petitions are below their thresholds
  and the sweep that runs when the server starts has nothing to do;
- 1,000,000 **signatures** from one ``INSERT ... SELECT`` over ``generate_series`` per
  petition (distinct citizens per petition, so the unique constraint holds), signed
  between publication and the end of collection, front-loaded, inserted in time order;
  the **tally shards** are summed from them (``citizen_id % 32``, as the product does);
- ~55 **officials** (two of them, the benchmark's administrator with a second factor and
  an official bound to the Kyiv City Council, made by the caller through
  ``civic.officials``), three moderators, an official per authority, analysts;
- 10,000 **information requests** over 60 days, numbered per year in order of receipt,
  due dates counted by ``civic.deadlines.deadline`` on the working-day calendar (5
  working days, 48 hours when urgent, 20 when extended), in every status: the ones still
  in their term mostly submitted, older ones mostly answered, refused or withdrawn, some
  extended or waiting for a clarification and 8 % overdue (the citizen already told, so
  the server's startup sweep owes nothing). 4 % of the answered ones carry a file
  (20 KB-1 MB of random bytes, like a scan);
- **audit entries** for every moderation, answer and request action above, at its time,
  topped up with sign-ins to 10,000 in all, in time order. The table is append-only
  (a trigger refuses UPDATE, DELETE and TRUNCATE); this only inserts.
  ``grow_audit`` adds a further history (two earlier years of sign-ins, answers and
  moderation) for the export measured at a million entries.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from dateutil.relativedelta import relativedelta

from civic.deadlines import KYIV, Lateness, TermRule, deadline, time_left
from civic.information_requests import RefusalReason, format_number
from civic.text import search_key
from civic.working_days import WorkingCalendar

TALLY_SHARDS = 32  # storage.repositories.TALLY_SHARDS
SEED = 20261204
Progress = Callable[[str], None]


# The benchmark's own database: ``sign_petition``'s (``vz_bench_<random>``).


# --- what to seed ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sizes:
    citizens: int = 100_000
    signatures: int = 1_000_000
    petitions: int = 2_000
    requests: int = 10_000
    audit: int = 10_000


OBLASTS = [
    ("Вінницька", "Vinnytsia"),
    ("Волинська", "Volyn"),
    ("Дніпропетровська", "Dnipropetrovsk"),
    ("Донецька", "Donetsk"),
    ("Житомирська", "Zhytomyr"),
    ("Закарпатська", "Zakarpattia"),
    ("Запорізька", "Zaporizhzhia"),
    ("Івано-Франківська", "Ivano-Frankivsk"),
    ("Київська", "Kyiv"),
    ("Кіровоградська", "Kirovohrad"),
    ("Луганська", "Luhansk"),
    ("Львівська", "Lviv"),
    ("Миколаївська", "Mykolaiv"),
    ("Одеська", "Odesa"),
    ("Полтавська", "Poltava"),
    ("Рівненська", "Rivne"),
    ("Сумська", "Sumy"),
    ("Тернопільська", "Ternopil"),
    ("Харківська", "Kharkiv"),
    ("Херсонська", "Kherson"),
    ("Хмельницька", "Khmelnytskyi"),
    ("Черкаська", "Cherkasy"),
    ("Чернівецька", "Chernivtsi"),
    ("Чернігівська", "Chernihiv"),
]
CITIES = [
    ("Вінницька", "Vinnytsia"),
    ("Луцька", "Lutsk"),
    ("Дніпровська", "Dnipro"),
    ("Житомирська", "Zhytomyr"),
    ("Ужгородська", "Uzhhorod"),
    ("Запорізька", "Zaporizhzhia"),
    ("Івано-Франківська", "Ivano-Frankivsk"),
    ("Кропивницька", "Kropyvnytskyi"),
    ("Львівська", "Lviv"),
    ("Миколаївська", "Mykolaiv"),
    ("Одеська", "Odesa"),
    ("Полтавська", "Poltava"),
    ("Рівненська", "Rivne"),
    ("Сумська", "Sumy"),
    ("Тернопільська", "Ternopil"),
    ("Харківська", "Kharkiv"),
    ("Херсонська", "Kherson"),
    ("Хмельницька", "Khmelnytskyi"),
    ("Черкаська", "Cherkasy"),
    ("Чернівецька", "Chernivtsi"),
    ("Чернігівська", "Chernihiv"),
    ("Білоцерківська", "Bila Tserkva"),
    ("Криворізька", "Kryvyi Rih"),
    ("Маріупольська", "Mariupol"),
]
ACTIONS = [
    "Облаштувати",
    "Відремонтувати",
    "Встановити",
    "Збудувати",
    "Озеленити",
    "Освітлити",
    "Відновити",
    "Зберегти",
    "Перевірити",
    "Профінансувати",
]
OBJECTS = [
    "пішохідний перехід",
    "дитячий майданчик",
    "велодоріжку",
    "сквер",
    "зупинку транспорту",
    "укриття",
    "спортивний майданчик",
    "бібліотеку",
    "пандус",
    "світлофор",
    "шкільне подвір'я",
    "амбулаторію",
    "набережну",
    "тротуар",
    "зливову каналізацію",
]
PLACES = [
    "біля школи № {n}",
    "на вулиці Шевченка",
    "у мікрорайоні № {n}",
    "на площі Свободи",
    "біля озера",
    "на проспекті Незалежності",
    "біля лікарні № {n}",
    "у парку Перемоги",
    "на вулиці Франка",
    "біля ринку",
]
NAMES = [
    "Олена Коваль",
    "Андрій Шевчук",
    "Марія Бондаренко",
    "Іван Ткаченко",
    "Наталія Кравчук",
    "Олег Мельник",
    "Ірина Поліщук",
    "Тарас Савчук",
    "Юлія Марченко",
    "Петро Лисенко",
]
TOPICS = [
    "кошторис ремонту доріг у {y} році",
    "договори на вивезення сміття",
    "кількість місць у дитячих садках",
    "план будівництва укриттів",
    "витрати на освітлення вулиць",
    "перелік земельних ділянок, переданих в оренду",
    "звіт про виконання бюджету за {y} рік",
    "графік роботи громадського транспорту",
    "результати перевірки якості питної води",
    "склад конкурсної комісії",
]
# The word the benchmark searches petitions for (one object in fifteen has it).
SEARCH_WORD = "укриття"


@dataclass(frozen=True, slots=True)
class AuthorityPlan:
    id: int
    name_uk: str
    name_en: str
    level: str
    region: str | None
    threshold: int
    months: int | None
    days: int | None

    def collection_ends(self, published_at: datetime) -> datetime:
        if self.months is not None:
            return published_at + relativedelta(months=self.months)
        assert self.days is not None
        return published_at + timedelta(days=self.days)


# The official the benchmark signs in as acts for this authority (the Kyiv City Council).
OFFICIAL_AUTHORITY = 2


def plan_authorities(rng: random.Random) -> list[AuthorityPlan]:
    authorities = [
        AuthorityPlan(
            1, "Президент України", "President of Ukraine", "national", None, 25_000, 3, None
        ),
        AuthorityPlan(
            2, "Київська міська рада", "Kyiv City Council", "local", "м. Київ", 10_000, None, 90
        ),
    ]
    for uk, en in OBLASTS:
        authorities.append(
            AuthorityPlan(
                len(authorities) + 1,
                f"{uk} обласна рада",
                f"{en} Oblast Council",
                "regional",
                f"{uk} область",
                rng.choice([1_000, 2_000, 3_000]),
                None,
                60,
            )
        )
    for (uk, en), (region, _) in zip(CITIES, OBLASTS, strict=True):
        authorities.append(
            AuthorityPlan(
                len(authorities) + 1,
                f"{uk} міська рада",
                f"{en} City Council",
                "local",
                f"{region} область",
                rng.choice([250, 500, 1_000]),
                None,
                rng.choice([30, 45, 60]),
            )
        )
    return authorities


def authority_weights(
    authorities: Sequence[AuthorityPlan], national: float, kyiv: float
) -> list[float]:
    rest = (1.0 - national - kyiv) / (len(authorities) - 2)
    return [national, kyiv, *([rest] * (len(authorities) - 2))]


@dataclass(slots=True)
class PetitionPlan:
    id: int
    authority: AuthorityPlan
    author_citizen_id: int
    author_name: str
    title: str
    body: str
    status: str
    submitted_at: datetime
    published_at: datetime | None = None
    closes_at: datetime | None = None
    threshold_reached_at: datetime | None = None
    closed_at: datetime | None = None
    answered_at: datetime | None = None
    answer_text: str | None = None
    rejection_reason: str | None = None
    signatures: int = 0
    offset: int = 0  # the first of its signers among the citizens (they wrap around)


def plan_petitions(
    rng: random.Random, sizes: Sizes, authorities: Sequence[AuthorityPlan], now: datetime
) -> list[PetitionPlan]:
    weights = authority_weights(authorities, 0.12, 0.18)
    moderation = max(1, round(sizes.petitions * 0.03))
    rejected = max(1, round(sizes.petitions * 0.095))
    plans: list[PetitionPlan] = []
    for number in range(1, sizes.petitions + 1):
        authority = rng.choices(authorities, weights)[0]
        action, thing = rng.choice(ACTIONS), rng.choice(OBJECTS)
        place = rng.choice(PLACES).format(n=rng.randint(1, 300))
        title = f"{action} {thing} {place}"
        body = (
            f"Просимо {action.lower()} {thing} {place}. Мешканці району давно звертаються з "
            "цим питанням, але воно досі не вирішене. Пропонуємо передбачити кошти в бюджеті "
            "наступного року та залучити громаду до обговорення проєкту."
        )
        plan = PetitionPlan(
            id=number,
            authority=authority,
            author_citizen_id=rng.randint(1, sizes.citizens),
            author_name=rng.choice(NAMES),
            title=title,
            body=body,
            status="open",
            submitted_at=now,
        )
        if number <= moderation:
            plan.status = "moderation"
            plan.submitted_at = now - timedelta(days=7) * rng.random()
        elif number <= moderation + rejected:
            plan.status = "rejected"
            plan.submitted_at = now - timedelta(days=2) - timedelta(days=60) * rng.random()
            plan.closed_at = plan.submitted_at + timedelta(hours=2 + 46 * rng.random())
            plan.rejection_reason = (
                "Петиція не відповідає вимогам статті 23-1 Закону «Про звернення громадян»: "
                "питання не належить до повноважень адресата."
            )
        else:
            published = now - timedelta(hours=1) - timedelta(days=60) * rng.random()
            plan.published_at = published
            plan.submitted_at = published - timedelta(hours=2 + 70 * rng.random())
            plan.closes_at = authority.collection_ends(published)
        plans.append(plan)
    published_plans = [plan for plan in plans if plan.published_at is not None]
    _count_signatures(rng, published_plans, sizes)
    for plan in published_plans:
        _settle_status(rng, plan, now, sizes.citizens)
    rng.shuffle(plans)  # ids in order of submission, below
    plans.sort(key=lambda plan: plan.submitted_at)
    for number, plan in enumerate(plans, start=1):
        plan.id = number
    return plans


def _count_signatures(rng: random.Random, plans: list[PetitionPlan], sizes: Sizes) -> None:
    """Zipf-like counts over a random order, capped at each threshold, adding up exactly."""
    ranks = list(range(len(plans)))
    rng.shuffle(ranks)
    weights = [1.0 / (rank + 5) ** 1.2 for rank in ranks]
    caps = [min(plan.authority.threshold, sizes.citizens) for plan in plans]

    def counts_for(scale: float) -> list[int]:
        return [max(3, min(round(scale * w), cap)) for w, cap in zip(weights, caps, strict=True)]

    low, high = 1.0, 1e12
    for _ in range(200):
        middle = math.sqrt(low * high)
        if sum(counts_for(middle)) < sizes.signatures:
            low = middle
        else:
            high = middle
    counts = counts_for(low)
    missing = sizes.signatures - sum(counts)
    # What the rounding left: one more (or less) each for the largest uncapped petitions.
    order = sorted(range(len(plans)), key=lambda index: -counts[index])
    while missing:
        moved = False
        for index in order:
            if not missing:
                break
            step = 1 if missing > 0 else -1
            if 3 <= counts[index] + step < caps[index]:
                counts[index] += step
                missing -= step
                moved = True
        if not moved:
            raise SystemExit("cannot place the signatures: too few petitions or citizens")
    for plan, count in zip(plans, counts, strict=True):
        plan.signatures = count
        plan.offset = rng.randrange(sizes.citizens)


def _settle_status(rng: random.Random, plan: PetitionPlan, now: datetime, citizens: int) -> None:
    assert plan.published_at is not None
    assert plan.closes_at is not None
    if plan.signatures >= min(plan.authority.threshold, citizens):
        # Reached: signing stopped then; answered within ten working days for most.
        ends = min(now, plan.closes_at)
        reached = plan.published_at + (ends - plan.published_at) * (0.15 + 0.8 * rng.random())
        plan.threshold_reached_at = reached
        if reached < now - timedelta(days=12) and rng.random() < 0.75:
            plan.status = "answered"
            plan.answered_at = min(reached + timedelta(days=1 + 9 * rng.random()), now)
            plan.answer_text = (
                "Дякуємо за звернення. Питання розглянуто на засіданні, кошти передбачено в "
                "програмі на наступний рік, роботи розпочнуться навесні."
            )
        else:
            plan.status = "awaiting_answer"
    elif plan.closes_at <= now:
        plan.status = "closed"
        plan.closed_at = plan.closes_at + timedelta(minutes=1)
    else:
        plan.status = "open"


def signing_window(plan: PetitionPlan, now: datetime) -> tuple[datetime, datetime]:
    assert plan.published_at is not None
    assert plan.closes_at is not None
    if plan.threshold_reached_at is not None:
        return plan.published_at, plan.threshold_reached_at
    return plan.published_at, min(plan.closes_at, now - timedelta(minutes=1))


@dataclass(slots=True)
class RequestPlan:
    authority_id: int
    citizen_id: int
    channel: str
    locale: str
    requester_name: str
    body: str
    urgent: bool
    reply_email: str | None
    received_at: datetime
    status: str = "submitted"
    due_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    extension_reason: str | None = None
    extended_at: datetime | None = None
    clarification_question: str | None = None
    clarification_asked_at: datetime | None = None
    answer_text: str | None = None
    answered_at: datetime | None = None
    refusal_reason: str | None = None
    refusal_text: str | None = None
    closed_at: datetime | None = None
    official_reminded_at: datetime | None = None
    overdue_told_at: datetime | None = None
    attachment_bytes: int = 0


def _pick(rng: random.Random, shares: Sequence[tuple[str, float]]) -> str:
    point, total = rng.random(), 0.0
    for name, share in shares:
        total += share
        if point < total:
            return name
    return shares[-1][0]


IN_TERM = [
    ("submitted", 0.85),
    ("clarification", 0.05),
    ("answered", 0.07),
    ("partly_answered", 0.01),
    ("withdrawn", 0.02),
]
PAST_TERM = [
    ("answered", 0.62),
    ("partly_answered", 0.08),
    ("refused", 0.09),
    ("withdrawn", 0.03),
    ("extended", 0.07),
    ("clarification", 0.03),
    ("submitted", 0.08),
]


def plan_requests(
    rng: random.Random, sizes: Sizes, authorities: Sequence[AuthorityPlan], now: datetime
) -> list[RequestPlan]:
    calendar = WorkingCalendar()
    weights = authority_weights(authorities, 0.04, 0.16)
    plans = []
    for _ in range(sizes.requests):
        received = now - timedelta(minutes=5) - timedelta(days=60) * rng.random()
        urgent = rng.random() < 0.05
        topic = rng.choice(TOPICS).format(y=received.year - 1)
        plans.append(
            RequestPlan(
                authority_id=rng.choices(authorities, weights)[0].id,
                citizen_id=rng.randint(1, sizes.citizens),
                channel="telegram" if rng.random() < 0.7 else "viber",
                locale="uk" if rng.random() < 0.9 else "en",
                requester_name=rng.choice(NAMES),
                body=f"Прошу надати публічну інформацію: {topic}. Відповідь прошу надіслати в чат.",
                urgent=urgent,
                reply_email=f"citizen{rng.randint(1, 99999)}@example.com"
                if rng.random() < 0.1
                else None,
                received_at=received,
            )
        )
    plans.sort(key=lambda plan: plan.received_at)
    for plan in plans:
        _settle_request(rng, plan, calendar, now)
    return plans


def _settle_request(
    rng: random.Random, plan: RequestPlan, calendar: WorkingCalendar, now: datetime
) -> None:
    rule = TermRule.FORTY_EIGHT_HOURS if plan.urgent else TermRule.FIVE_WORKING_DAYS
    due = deadline(plan.received_at, rule, calendar, KYIV).due_at
    plan.due_at = due
    plan.status = _pick(rng, IN_TERM if due > now else PAST_TERM)
    term = due - plan.received_at
    if plan.status == "extended":
        plan.extended_at = plan.received_at + term * (0.3 + 0.6 * rng.random())
        plan.extension_reason = "Потрібно опрацювати значний обсяг даних (стаття 20 Закону)."
        plan.due_at = deadline(plan.received_at, TermRule.TWENTY_WORKING_DAYS, calendar).due_at
    elif plan.status == "clarification":
        plan.clarification_asked_at = plan.received_at + term * (0.2 + 0.6 * rng.random())
        plan.clarification_question = "Уточніть, будь ласка, за який період потрібна інформація."
    elif plan.status in ("answered", "partly_answered", "refused", "withdrawn"):
        late = plan.status != "withdrawn" and rng.random() < 0.1
        done = (
            due + timedelta(days=5) * rng.random()
            if late
            else plan.received_at + term * rng.random()
        )
        done = min(done, now - timedelta(minutes=1))
        plan.closed_at = done
        if plan.status == "refused":
            plan.refusal_reason = rng.choice(list(RefusalReason)).value
            plan.refusal_text = "Розпорядник не володіє запитуваною інформацією."
        elif plan.status != "withdrawn":
            plan.answered_at = done
            plan.answer_text = (
                "Надаємо запитувану інформацію. Детальні дані наведено в додатку до відповіді."
            )
            if rng.random() < 0.04:
                plan.attachment_bytes = int(math.exp(rng.uniform(math.log(20e3), math.log(1e6))))
    if plan.status in ("submitted", "extended"):
        if plan.due_at < now:
            plan.overdue_told_at = plan.due_at + timedelta(minutes=1)
            plan.official_reminded_at = plan.due_at - timedelta(hours=12)
        elif plan.urgent and plan.status == "submitted":
            if plan.due_at - now <= timedelta(hours=12):
                plan.official_reminded_at = now - timedelta(minutes=5)
        else:
            left = time_left(plan.due_at, now, calendar, KYIV)
            if left.lateness is Lateness.ON_TIME and left.working_days <= 1:
                plan.official_reminded_at = now - timedelta(minutes=5)


# --- writing it --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seeded:
    """What the benchmark asks for, read back from the seeded database."""

    official_authority: int
    top_petition: int  # the most-signed petition
    top_petition_count: int
    official_top_petition: int  # the most-signed in the official's authority
    official_top_count: int
    plain_request: int  # an open request of the official's authority, no files
    file_request: int  # an answered request of the official's authority with the largest file
    file_bytes: int
    moderator_email: str
    counts: dict[str, int]


CITIZENS_SQL = """
WITH made AS (
    INSERT INTO citizen (phone_hash, phone_hint, phone_verified_at, created_at)
    SELECT encode(sha256(convert_to('admin-bench-phone-' || g, 'UTF8')), 'hex'),
           lpad((g % 100)::text, 2, '0'),
           $2::timestamptz - (g % 86400) * interval '1 minute',
           $2::timestamptz - (g % 86400) * interval '1 minute'
    FROM generate_series(1, $1::int) AS g
    ORDER BY g
    RETURNING id, created_at
)
INSERT INTO channel_account
    (channel, external_id, citizen_id, locale, dialog_state, reachable, created_at, last_seen_at)
SELECT CASE WHEN id % 10 < 7 THEN 'telegram' ELSE 'viber' END,
       CASE WHEN id % 10 < 7 THEN (800000000 + id)::text ELSE 'vb' || md5(id::text) END,
       id, CASE WHEN id % 10 = 0 THEN 'en' ELSE 'uk' END, '{}'::json, true,
       created_at, created_at
FROM made
"""

SIGNATURES_SQL = """
INSERT INTO signature (petition_id, citizen_id, channel, signed_at)
SELECT p.petition_id, c.citizen_id,
       CASE WHEN c.citizen_id % 10 < 7 THEN 'telegram' ELSE 'viber' END,
       p.start_at + (p.end_at - p.start_at) * power(random(), 2)
FROM bench_plan AS p
CROSS JOIN LATERAL generate_series(0, p.signatures - 1) AS i
CROSS JOIN LATERAL (SELECT 1 + (p.start_offset + i) % $1::int AS citizen_id) AS c
ORDER BY 4
"""

TALLY_SQL = """
INSERT INTO petition_tally (petition_id, shard, signature_count)
SELECT petition_id, citizen_id % $1::int, count(*)
FROM signature GROUP BY 1, 2
"""

OFFICIALS_SQL = """
WITH made AS (
    INSERT INTO official (email, role, password_hash, created_at, password_changed_at)
    SELECT email, role, $1, $2, $2
    FROM unnest($3::text[], $4::text[]) AS o(email, role)
    RETURNING id, email
)
INSERT INTO official_authority (official_id, authority_id)
SELECT made.id, b.authority_id
FROM made JOIN unnest($3::text[], $5::bigint[]) AS b(email, authority_id) USING (email)
WHERE b.authority_id IS NOT NULL
"""

# Every action the seeded history implies, with who did it and the values it changed, in
# the shape civic.audit.record writes; topped up with sign-ins and second factors.
AUDIT_SQL = """
WITH moderators AS (
    SELECT array_agg(id ORDER BY id) AS ids, array_agg(email ORDER BY id) AS emails
    FROM official WHERE role = 'moderator'
), everyone AS (
    SELECT array_agg(id ORDER BY id) AS ids, array_agg(email ORDER BY id) AS emails FROM official
), bound AS (
    SELECT DISTINCT ON (oa.authority_id) oa.authority_id, o.id, o.email
    FROM official_authority oa JOIN official o ON o.id = oa.official_id
    ORDER BY oa.authority_id, o.id DESC
), acts AS (
    SELECT p.published_at AS at, m.ids[1 + p.id % cardinality(m.ids)] AS official_id,
           m.emails[1 + p.id % cardinality(m.ids)] AS email, 'petition_publish' AS action,
           'petition' AS object_type, p.id::text AS object_id,
           json_build_object('status', 'moderation', 'published_at', NULL, 'closes_at', NULL,
                             'rejection_reason', NULL, 'answer_text', NULL) AS before,
           json_build_object('status', 'open', 'published_at', p.published_at,
                             'closes_at', p.closes_at, 'rejection_reason', NULL,
                             'answer_text', NULL) AS after,
           NULL AS summary
    FROM petition p, moderators m WHERE p.published_at IS NOT NULL
    UNION ALL
    SELECT p.closed_at, m.ids[1 + p.id % cardinality(m.ids)],
           m.emails[1 + p.id % cardinality(m.ids)],
           'petition_reject', 'petition', p.id::text,
           json_build_object('status', 'moderation', 'published_at', NULL, 'closes_at', NULL,
                             'rejection_reason', NULL, 'answer_text', NULL),
           json_build_object('status', 'rejected', 'published_at', NULL, 'closes_at', NULL,
                             'rejection_reason', p.rejection_reason, 'answer_text', NULL),
           NULL
    FROM petition p, moderators m WHERE p.status = 'rejected'
    UNION ALL
    SELECT p.answered_at, b.id, b.email, 'petition_answer', 'petition', p.id::text,
           json_build_object('status', 'awaiting_answer', 'published_at', p.published_at,
                             'closes_at', p.closes_at, 'rejection_reason', NULL,
                             'answer_text', NULL),
           json_build_object('status', 'answered', 'published_at', p.published_at,
                             'closes_at', p.closes_at, 'rejection_reason', NULL,
                             'answer_text', p.answer_text),
           NULL
    FROM petition p JOIN bound b USING (authority_id) WHERE p.status = 'answered'
    UNION ALL
    SELECT coalesce(r.answered_at, r.closed_at), b.id, b.email,
           CASE WHEN r.status = 'refused' THEN 'request_refuse' ELSE 'request_answer' END,
           'information_request', r.id::text,
           json_build_object('status', 'submitted', 'due_at', r.due_at, 'answer_text', NULL,
                             'clarification_question', NULL, 'extension_reason', NULL,
                             'refusal_reason', NULL, 'refusal_text', NULL),
           json_build_object('status', r.status, 'due_at', r.due_at,
                             'answer_text', r.answer_text, 'clarification_question', NULL,
                             'extension_reason', NULL, 'refusal_reason', r.refusal_reason,
                             'refusal_text', r.refusal_text),
           NULL
    FROM information_request r JOIN bound b USING (authority_id)
    WHERE r.status IN ('answered', 'partly_answered', 'refused')
    UNION ALL
    SELECT r.extended_at, b.id, b.email, 'request_extend', 'information_request', r.id::text,
           json_build_object('status', 'submitted', 'due_at', r.received_at),
           json_build_object('status', 'extended', 'due_at', r.due_at,
                             'extension_reason', r.extension_reason),
           NULL
    FROM information_request r JOIN bound b USING (authority_id) WHERE r.extended_at IS NOT NULL
    UNION ALL
    SELECT r.clarification_asked_at, b.id, b.email, 'request_clarify', 'information_request',
           r.id::text,
           json_build_object('status', 'submitted', 'clarification_question', NULL),
           json_build_object('status', 'clarification',
                             'clarification_question', r.clarification_question),
           NULL
    FROM information_request r JOIN bound b USING (authority_id)
    WHERE r.clarification_asked_at IS NOT NULL
    UNION ALL
    SELECT $1::timestamptz - interval '60 days' * ((g * 0.6180339887) % 1),
           e.ids[1 + (g / 2) % cardinality(e.ids)], e.emails[1 + (g / 2) % cardinality(e.ids)],
           CASE WHEN g % 2 = 0 THEN 'sign_in' ELSE 'second_factor' END, 'official',
           e.ids[1 + (g / 2) % cardinality(e.ids)]::text, NULL, NULL,
           e.emails[1 + (g / 2) % cardinality(e.ids)]
    FROM generate_series(1, $2::int) AS g, everyone e
)
INSERT INTO audit_entry
    (at, official_id, official_email, address, action, object_type, object_id,
     before, after, summary)
SELECT at, official_id, email, '192.0.2.' || (coalesce(official_id, 0) % 250 + 1),
       action, object_type, object_id, before, after, summary
FROM acts
ORDER BY at
"""

# Two earlier years: sign-ins, second factors, request and petition actions, in time order.
GROW_AUDIT_SQL = """
WITH everyone AS (
    SELECT array_agg(id ORDER BY id) AS ids, array_agg(email ORDER BY id) AS emails FROM official
)
INSERT INTO audit_entry
    (at, official_id, official_email, address, action, object_type, object_id,
     before, after, summary)
SELECT $2::timestamptz - interval '730 days' + interval '670 days' * (g::float8 / $1::int),
       e.ids[1 + g % cardinality(e.ids)],
       e.emails[1 + g % cardinality(e.ids)],
       '198.51.100.' || (g % 250 + 1),
       CASE WHEN g % 20 < 8 THEN 'sign_in'
            WHEN g % 20 < 12 THEN 'second_factor'
            WHEN g % 20 < 16 THEN 'request_answer'
            WHEN g % 20 < 17 THEN 'request_extend'
            WHEN g % 20 < 19 THEN 'petition_publish'
            ELSE 'end_session' END,
       CASE WHEN g % 20 < 12 OR g % 20 = 19 THEN 'official'
            WHEN g % 20 < 17 THEN 'information_request'
            ELSE 'petition' END,
       CASE WHEN g % 20 < 12 OR g % 20 = 19 THEN e.ids[1 + g % cardinality(e.ids)]::text
            ELSE (100000 + g)::text END,
       CASE WHEN g % 20 BETWEEN 12 AND 18
            THEN json_build_object('status', 'submitted', 'answer_text', NULL) END,
       CASE WHEN g % 20 BETWEEN 12 AND 18
            THEN json_build_object('status', 'answered', 'answer_text',
                                   'Надаємо запитувану інформацію у додатку.') END,
       CASE WHEN g % 20 < 12 THEN e.emails[1 + g % cardinality(e.ids)] END
FROM generate_series(1, $1::int) AS g, everyone e
ORDER BY g
"""


def _petition_records(plans: Sequence[PetitionPlan]) -> list[tuple[Any, ...]]:
    return [
        (
            plan.id,
            plan.authority.id,
            plan.author_citizen_id,
            plan.author_name,
            plan.title,
            plan.body,
            search_key(plan.title, plan.body),
            plan.status,
            plan.authority.threshold,
            plan.submitted_at,
            plan.published_at,
            plan.closes_at,
            plan.threshold_reached_at,
            plan.closed_at,
            plan.answered_at,
            plan.answer_text,
            plan.rejection_reason,
        )
        for plan in plans
    ]


PETITION_COLUMNS = [
    "id",
    "authority_id",
    "author_citizen_id",
    "author_name",
    "title",
    "body",
    "search_text",
    "status",
    "threshold",
    "submitted_at",
    "published_at",
    "closes_at",
    "threshold_reached_at",
    "closed_at",
    "answered_at",
    "answer_text",
    "rejection_reason",
]

REQUEST_COLUMNS = [
    "id",
    "number",
    "year",
    "sequence",
    "citizen_id",
    "authority_id",
    "channel",
    "locale",
    "requester_name",
    "body",
    "urgent",
    "reply_email",
    "status",
    "received_at",
    "term_start_at",
    "due_at",
    "extension_reason",
    "extended_at",
    "clarification_question",
    "clarification_answer",
    "clarification_asked_at",
    "answer_text",
    "answered_at",
    "refusal_reason",
    "refusal_text",
    "closed_at",
    "official_reminded_at",
    "overdue_told_at",
]


def _request_records(plans: Sequence[RequestPlan]) -> list[tuple[Any, ...]]:
    records = []
    sequences: dict[int, int] = {}
    for number, plan in enumerate(plans, start=1):
        year = plan.received_at.astimezone(KYIV).year
        sequences[year] = sequence = sequences.get(year, 0) + 1
        records.append(
            (
                number,
                format_number(year, sequence),
                year,
                sequence,
                plan.citizen_id,
                plan.authority_id,
                plan.channel,
                plan.locale,
                plan.requester_name,
                plan.body,
                plan.urgent,
                plan.reply_email,
                plan.status,
                plan.received_at,
                plan.received_at,
                plan.due_at,
                plan.extension_reason,
                plan.extended_at,
                plan.clarification_question,
                None,
                plan.clarification_asked_at,
                plan.answer_text,
                plan.answered_at,
                plan.refusal_reason,
                plan.refusal_text,
                plan.closed_at,
                plan.official_reminded_at,
                plan.overdue_told_at,
            )
        )
    return records


def planned_actions(petitions: Sequence[PetitionPlan], requests: Sequence[RequestPlan]) -> int:
    """How many audit entries the history implies (AUDIT_SQL's first six parts)."""
    petition_acts = sum(
        (plan.published_at is not None) + (plan.status in ("rejected", "answered"))
        for plan in petitions
    )
    request_acts = sum(
        (plan.status in ("answered", "partly_answered", "refused"))
        + (plan.extended_at is not None)
        + (plan.clarification_asked_at is not None)
        for plan in requests
    )
    return petition_acts + request_acts


class Seeder:
    """Seeds in two steps: the authorities, then (once the caller has made the accounts
    it signs in with, bound to one of them through ``civic.officials``) everything else."""

    def __init__(self, dsn: str, sizes: Sizes, now: datetime, progress: Progress) -> None:
        self.dsn = dsn
        self.sizes = sizes
        self.now = now
        self.progress = progress
        self.rng = random.Random(SEED)
        self.authorities = plan_authorities(self.rng)

    async def seed_authorities(self) -> None:
        now = self.now
        connection = await asyncpg.connect(self.dsn, timeout=30)
        try:
            await connection.copy_records_to_table(
                "authority",
                columns=AUTHORITY_COLUMNS,
                records=[
                    (
                        a.id,
                        a.name_uk,
                        a.name_en,
                        a.level,
                        a.region,
                        a.threshold,
                        a.months,
                        a.days,
                        search_key(a.name_uk, a.name_en),
                        f"вул. Хрещатик, {a.id}",
                        f"+38044{a.id:07d}",
                        f"zapyt{a.id}@example.gov.ua",
                        f"https://rada{a.id}.example.gov.ua",
                        None,
                        now - timedelta(days=400),
                    )
                    for a in self.authorities
                ],
            )
            await _reset_sequences(connection, "authority")
        finally:
            await connection.close()
        self.progress(f"{len(self.authorities)} authorities")

    async def seed_the_rest(self, password_hash: str) -> None:
        """Citizens, officials, petitions, signatures, requests, files and the audit log.

        ``password_hash`` is the benchmark accounts' (Argon2): the other officials get it
        too, so that none of them costs a hash here."""
        rng, sizes, now, progress = self.rng, self.sizes, self.now, self.progress
        authorities = self.authorities
        connection = await asyncpg.connect(self.dsn, timeout=30)
        try:
            await connection.execute("SELECT setseed(0.42)")
            started = time.perf_counter()
            await connection.execute(CITIZENS_SQL, sizes.citizens, now)
            progress(f"{sizes.citizens:,} citizens with channel accounts ({_since(started)})")

            started = time.perf_counter()
            others = _other_officials(authorities)
            await connection.execute(
                OFFICIALS_SQL,
                password_hash,
                now - timedelta(days=300),
                [email for email, _, _ in others],
                [role for _, role, _ in others],
                [authority for _, _, authority in others],
            )
            progress(f"{len(others)} more officials ({_since(started)})")

            started = time.perf_counter()
            petitions = plan_petitions(rng, sizes, authorities, now)
            await connection.copy_records_to_table(
                "petition", columns=PETITION_COLUMNS, records=_petition_records(petitions)
            )
            progress(
                f"{len(petitions):,} petitions: {_tally(p.status for p in petitions)}"
                f" ({_since(started)})"
            )

            started = time.perf_counter()
            await connection.execute(
                "CREATE TEMP TABLE bench_plan (petition_id bigint, signatures int,"
                " start_offset int, start_at timestamptz, end_at timestamptz)"
            )
            await connection.copy_records_to_table(
                "bench_plan",
                records=[
                    (plan.id, plan.signatures, plan.offset, *signing_window(plan, now))
                    for plan in petitions
                    if plan.signatures
                ],
            )
            await connection.execute(SIGNATURES_SQL, sizes.citizens)
            await connection.execute(TALLY_SQL, TALLY_SHARDS)
            top = max(petitions, key=lambda plan: plan.signatures)
            progress(
                f"{sizes.signatures:,} signatures and their tally shards; the most under"
                f" petition {top.id} ({top.signatures:,}, {top.status}) ({_since(started)})"
            )

            started = time.perf_counter()
            requests = plan_requests(rng, sizes, authorities, now)
            await connection.copy_records_to_table(
                "information_request", columns=REQUEST_COLUMNS, records=_request_records(requests)
            )
            # The request the benchmark opens with a file: the official's last answered one,
            # with a 1 MB scan.
            mine = [
                number
                for number, plan in enumerate(requests, start=1)
                if plan.authority_id == OFFICIAL_AUTHORITY and plan.status == "answered"
            ]
            if mine:
                requests[mine[-1] - 1].attachment_bytes = 1_000_000
            files = [
                (number, plan)
                for number, plan in enumerate(requests, start=1)
                if plan.attachment_bytes
            ]
            await connection.copy_records_to_table(
                "request_attachment",
                columns=["request_id", "filename", "media_type", "content", "created_at"],
                records=[
                    (
                        number,
                        f"vidpovid-{number}.pdf",
                        "application/pdf",
                        rng.randbytes(plan.attachment_bytes),
                        plan.answered_at or now,
                    )
                    for number, plan in files
                ],
            )
            overdue = sum(1 for request in requests if request.overdue_told_at is not None)
            megabytes = sum(plan.attachment_bytes for _, plan in files) / 1e6
            progress(
                f"{len(requests):,} information requests: {_tally(r.status for r in requests)};"
                f" {overdue} overdue; {len(files)} with a file ({megabytes:.0f} MB)"
                f" ({_since(started)})"
            )

            started = time.perf_counter()
            fill = max(0, sizes.audit - planned_actions(petitions, requests))
            await connection.execute(AUDIT_SQL, now, fill)
            audit = await connection.fetchval("SELECT count(*) FROM audit_entry")
            progress(f"{audit:,} audit entries ({_since(started)})")
            for table in ("petition", "information_request"):
                await _reset_sequences(connection, table)
        finally:
            await connection.close()


AUTHORITY_COLUMNS = [
    "id",
    "name_uk",
    "name_en",
    "level",
    "region",
    "petition_threshold",
    "petition_period_months",
    "petition_period_days",
    "search_text",
    "address",
    "phone",
    "request_email",
    "website",
    "public_council_url",
    "created_at",
]


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


def _tally(values: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return ", ".join(f"{count:,} {value}" for value, count in sorted(counts.items()))


def _other_officials(authorities: Sequence[AuthorityPlan]) -> list[tuple[str, str, int | None]]:
    people: list[tuple[str, str, int | None]] = [
        ("admin2@example.gov.ua", "administrator", None),
        ("moderator1@example.gov.ua", "moderator", None),
        ("moderator2@example.gov.ua", "moderator", None),
        ("moderator3@example.gov.ua", "moderator", None),
        ("analyst1@example.gov.ua", "analyst", None),
        ("analyst2@example.gov.ua", "analyst", None),
    ]
    people += [(f"official{a.id}@example.gov.ua", "official", a.id) for a in authorities]
    return people


MODERATOR_EMAIL = "moderator1@example.gov.ua"


async def _reset_sequences(connection: Any, table: str) -> None:
    """Ids were given explicitly: the next one the product makes follows them."""
    await connection.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"  # noqa: S608
    )


async def grow_audit(dsn: str, rows: int, now: datetime) -> int:
    """``rows`` more audit entries (two earlier years); the table's size after."""
    connection = await asyncpg.connect(dsn, timeout=30)
    try:
        await connection.execute(GROW_AUDIT_SQL, rows, now)
        await connection.execute("VACUUM ANALYZE audit_entry")
        return int(await connection.fetchval("SELECT count(*) FROM audit_entry"))
    finally:
        await connection.close()


async def settle(dsn: str) -> None:
    """Statistics and visibility maps current, nothing left for autovacuum or checkpoints."""
    connection = await asyncpg.connect(dsn, timeout=30)
    try:
        await connection.execute("VACUUM ANALYZE")
        with contextlib.suppress(asyncpg.PostgresError):  # superusers, pg_checkpoint
            await connection.execute("CHECKPOINT")
    finally:
        await connection.close()


async def read_back(dsn: str) -> Seeded:
    """The ids the pages are opened with, and the table sizes, from the database itself."""
    connection = await asyncpg.connect(dsn, timeout=30)
    try:
        counted = """
            SELECT p.id, coalesce(sum(t.signature_count), 0) AS n
            FROM petition p LEFT JOIN petition_tally t ON t.petition_id = p.id
            WHERE ($1::bigint IS NULL OR p.authority_id = $1)
            GROUP BY p.id ORDER BY n DESC, p.id LIMIT 1
        """
        top = await connection.fetchrow(counted, None)
        mine = await connection.fetchrow(counted, OFFICIAL_AUTHORITY)
        plain = await connection.fetchval(
            "SELECT r.id FROM information_request r WHERE r.authority_id = $1"
            " AND r.status = 'submitted' AND NOT EXISTS"
            " (SELECT 1 FROM request_attachment a WHERE a.request_id = r.id)"
            " ORDER BY r.due_at DESC LIMIT 1",
            OFFICIAL_AUTHORITY,
        )
        with_file = await connection.fetchrow(
            "SELECT a.request_id, octet_length(a.content) AS size FROM request_attachment a"
            " JOIN information_request r ON r.id = a.request_id WHERE r.authority_id = $1"
            " ORDER BY size DESC, a.request_id LIMIT 1",
            OFFICIAL_AUTHORITY,
        )
        counts = {}
        for table in (
            "authority",
            "citizen",
            "channel_account",
            "petition",
            "signature",
            "petition_tally",
            "information_request",
            "request_attachment",
            "official",
            "audit_entry",
        ):
            counts[table] = int(await connection.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608
    finally:
        await connection.close()
    if top is None or mine is None or plain is None or with_file is None:
        raise SystemExit("the seeded database lacks a petition or request the pages need")
    return Seeded(
        official_authority=OFFICIAL_AUTHORITY,
        top_petition=int(top["id"]),
        top_petition_count=int(top["n"]),
        official_top_petition=int(mine["id"]),
        official_top_count=int(mine["n"]),
        plain_request=int(plain),
        file_request=int(with_file["request_id"]),
        file_bytes=int(with_file["size"]),
        moderator_email=MODERATOR_EMAIL,
        counts=counts,
    )
