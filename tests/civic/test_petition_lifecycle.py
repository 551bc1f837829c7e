"""The petition lifecycle as the civic rules enforce it, on both database backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.modules import product_modules
from civic.citizens import Citizens, VerifyOutcome
from civic.clock import FixedClock
from civic.identity import phone_key
from civic.petitions import (
    SWEEP_GRACE,
    PetitionDraft,
    PetitionError,
    Petitions,
    SignOutcome,
    progress_bar,
)
from civic.text import TextProblem
from storage import repositories as repo
from storage.db import Database
from storage.models import Authority, ChannelAccount, Citizen, Petition, PetitionStatus, Signature
from tests.e2e_support import PHONE, make_authority_months, petition_status
from tests.helpers import BODY, make_authority, make_open_petition, signature_count

KEY = phone_key("test-secret-key-not-for-production")
TITLE = "Безпечний перехід біля школи № 17"


async def new_citizen(database: Database, now: datetime) -> int:
    async with database.transaction() as session:
        citizen = Citizen(created_at=now)
        session.add(citizen)
        await session.flush()
        return citizen.id


async def submit(database: Database, authority_id: int, now: datetime) -> int:
    """A petition submitted by a new citizen, waiting in moderation."""
    author_id = await new_citizen(database, now)
    async with database.transaction() as session:
        draft = PetitionDraft(authority_id, TITLE, BODY, "Олена Коваль")
        return (await Petitions(session).submit(draft, author_id, now)).id


async def publish(database: Database, petition_id: int, now: datetime) -> Petition:
    async with database.transaction() as session:
        return await Petitions(session).publish(petition_id, now)


async def sign(database: Database, petition_id: int, citizen_id: int, now: datetime) -> SignOutcome:
    async with database.transaction() as session:
        result = await Petitions(session).sign(petition_id, citizen_id, "telegram", now)
        return result.outcome


async def sweep(database: Database, now: datetime) -> tuple[int, int]:
    async with database.transaction() as session:
        report = await Petitions(session).sweep(now)
        return report.closed, report.awaiting_answer


# --- moderation and publication ----------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "closes"),
    [
        (datetime(2026, 11, 27, 10, tzinfo=UTC), datetime(2027, 2, 27, 10, tzinfo=UTC)),
        # Three months after 30 November is the last day of February, not 2 March.
        (datetime(2026, 11, 30, 10, tzinfo=UTC), datetime(2027, 2, 28, 10, tzinfo=UTC)),
    ],
)
async def test_publish_with_period_in_months(
    database: Database, published: datetime, closes: datetime
) -> None:
    """A national petition collects for three calendar months from publication."""
    authority_id = await make_authority_months(database, published, name="Президент")
    petition_id = await submit(database, authority_id, published - timedelta(days=1))
    assert await petition_status(database, petition_id) is PetitionStatus.MODERATION
    petition = await publish(database, petition_id, published)
    assert petition.status is PetitionStatus.OPEN
    assert petition.published_at == published
    assert petition.closes_at == closes
    assert petition.threshold == 25_000


async def test_publish_with_period_in_days(database: Database, clock: FixedClock) -> None:
    """A local petition collects for its statute's number of days from publication."""
    now = clock.now()
    authority_id = await make_authority(database, now, threshold=300, days=30)
    petition_id = await submit(database, authority_id, now)
    petition = await publish(database, petition_id, now)
    assert petition.closes_at == datetime(2026, 12, 27, 10, tzinfo=UTC)
    assert petition.threshold == 300


async def test_threshold_is_fixed_at_publication(database: Database, clock: FixedClock) -> None:
    """The statute's threshold at publication holds; a later change does not move it."""
    now = clock.now()
    authority_id = await make_authority(database, now, threshold=300)
    petition_id = await submit(database, authority_id, now)

    async def set_threshold(value: int) -> None:
        async with database.transaction() as session:
            authority = await session.get(Authority, authority_id)
            assert authority is not None
            authority.petition_threshold = value

    await set_threshold(500)
    assert (await publish(database, petition_id, now)).threshold == 500
    await set_threshold(100)
    async with database.transaction() as session:
        view = await Petitions(session).get(petition_id)
        assert view is not None
        assert view.petition.threshold == 500


async def test_publish_only_from_moderation(database: Database, clock: FixedClock) -> None:
    """Publishing twice or publishing a missing petition is refused by name."""
    now = clock.now()
    petition_id = await make_open_petition(database, now)
    with pytest.raises(PetitionError) as twice:
        await publish(database, petition_id, now)
    assert twice.value.code == "not_in_moderation"
    with pytest.raises(PetitionError) as missing:
        await publish(database, 999_999, now)
    assert missing.value.code == "not_found"


async def test_reject_needs_a_reason(database: Database, clock: FixedClock) -> None:
    """Rejection needs a real reason; a too-short one is refused and changes nothing."""
    now = clock.now()
    petition_id = await submit(database, await make_authority(database, now), now)
    for reason, kind in (("", "empty"), ("Not valid", "too_short"), ("!!! ???", "no_letters")):
        with pytest.raises(TextProblem) as problem:
            async with database.transaction() as session:
                await Petitions(session).reject(petition_id, reason, now)
        assert problem.value.kind == kind
        assert await petition_status(database, petition_id) is PetitionStatus.MODERATION

    reason = "Питання не належить до повноважень міської ради."
    async with database.transaction() as session:
        petition = await Petitions(session).reject(petition_id, reason, now)
    assert petition.status is PetitionStatus.REJECTED
    async with database.transaction() as session:
        stored = await session.get(Petition, petition_id)
        assert stored is not None
        assert stored.rejection_reason == reason
        assert stored.closed_at == now
        assert stored.published_at is None
    with pytest.raises(PetitionError) as again:
        async with database.transaction() as session:
            await Petitions(session).reject(petition_id, reason, now)
    assert again.value.code == "not_in_moderation"


async def test_published_petition_cannot_be_rejected(database: Database, clock: FixedClock) -> None:
    """Only a petition in moderation can be rejected."""
    petition_id = await make_open_petition(database, clock.now())
    with pytest.raises(PetitionError) as refused:
        async with database.transaction() as session:
            await Petitions(session).reject(petition_id, "Порушує вимоги закону.", clock.now())
    assert refused.value.code == "not_in_moderation"
    assert await petition_status(database, petition_id) is PetitionStatus.OPEN


async def test_answer_only_when_awaiting_answer(database: Database, clock: FixedClock) -> None:
    """An answer is accepted only once the threshold is reached, and only once."""
    now = clock.now()
    answer = "Міська рада виділила кошти на світлофор; роботи завершать у травні."
    authority_id = await make_authority(database, now, threshold=1)
    in_moderation = await submit(database, authority_id, now)
    petition_id = await make_open_petition(database, now, authority_id=authority_id)

    for target in (in_moderation, petition_id):
        with pytest.raises(PetitionError) as early:
            async with database.transaction() as session:
                await Petitions(session).answer(target, answer, now)
        assert early.value.code == "not_awaiting_answer"

    assert await sign(database, petition_id, await new_citizen(database, now), now) is (
        SignOutcome.SIGNED
    )
    assert await petition_status(database, petition_id) is PetitionStatus.AWAITING_ANSWER
    with pytest.raises(TextProblem):
        async with database.transaction() as session:
            await Petitions(session).answer(petition_id, "Ні.", now)
    assert await petition_status(database, petition_id) is PetitionStatus.AWAITING_ANSWER

    later = now + timedelta(days=7)
    async with database.transaction() as session:
        answered = await Petitions(session).answer(petition_id, answer, later)
    assert answered.status is PetitionStatus.ANSWERED
    assert answered.answered_at == later
    assert answered.answer_text == answer
    with pytest.raises(PetitionError) as twice:
        async with database.transaction() as session:
            await Petitions(session).answer(petition_id, answer, later)
    assert twice.value.code == "not_awaiting_answer"


# --- the scheduled sweep -----------------------------------------------------------------


async def test_sweep_closes_expired_only_after_grace(database: Database, clock: FixedClock) -> None:
    """An expired petition is closed by the sweep only once the grace period has passed."""
    now = clock.now()
    authority_id = await make_authority(database, now, days=30)
    expiring = await make_open_petition(database, now, authority_id=authority_id)
    running = await make_open_petition(
        database, now + timedelta(days=1), authority_id=authority_id, title="Інша петиція до ради"
    )
    closes = now + timedelta(days=30)
    one_second = timedelta(seconds=1)
    for moment in (closes - one_second, closes, closes + SWEEP_GRACE - one_second):
        assert await sweep(database, moment) == (0, 0)
        assert await petition_status(database, expiring) is PetitionStatus.OPEN
    moment = closes + SWEEP_GRACE
    assert await sweep(database, moment) == (1, 0)
    assert await petition_status(database, expiring) is PetitionStatus.CLOSED
    assert await petition_status(database, running) is PetitionStatus.OPEN
    async with database.transaction() as session:
        closed = await session.get(Petition, expiring)
        assert closed is not None
        assert closed.closed_at == moment
    assert await sweep(database, moment) == (0, 0)


async def count_without_marking(database: Database, petition_id: int, citizen_id: int) -> None:
    """A signature counted without the signing flow's own threshold check (as a merge does)."""
    async with database.transaction() as session:
        now = datetime(2026, 11, 27, 11, tzinfo=UTC)
        assert await repo.insert_signature(session, petition_id, citizen_id, "viber", now)
        await repo.add_to_tally(session, petition_id, citizen_id, +1)


async def test_sweep_marks_petitions_at_threshold(database: Database, clock: FixedClock) -> None:
    """An open petition whose count reached its threshold is moved on by the sweep."""
    now = clock.now()
    authority_id = await make_authority(database, now, threshold=2)
    reached = await make_open_petition(database, now, authority_id=authority_id)
    below = await make_open_petition(
        database, now, authority_id=authority_id, title="Ще одна петиція до ради"
    )
    for _ in range(2):
        await count_without_marking(database, reached, await new_citizen(database, now))
    await count_without_marking(database, below, await new_citizen(database, now))
    assert await petition_status(database, reached) is PetitionStatus.OPEN

    later = now + timedelta(hours=1)
    assert await sweep(database, later) == (0, 1)
    assert await petition_status(database, reached) is PetitionStatus.AWAITING_ANSWER
    assert await petition_status(database, below) is PetitionStatus.OPEN
    async with database.transaction() as session:
        petition = await session.get(Petition, reached)
        assert petition is not None
        assert petition.threshold_reached_at == later
        assert petition.closed_at is None


async def test_sweep_prefers_threshold_over_expiry(database: Database, clock: FixedClock) -> None:
    """A petition that reached its threshold and then expired awaits an answer, not closed."""
    now = clock.now()
    petition_id = await make_open_petition(database, now, threshold=1, days=30)
    await count_without_marking(database, petition_id, await new_citizen(database, now))
    assert await sweep(database, now + timedelta(days=31)) == (0, 1)
    assert await petition_status(database, petition_id) is PetitionStatus.AWAITING_ANSWER


# --- signing ----------------------------------------------------------------------------


async def test_sign_until_the_period_ends(database: Database, clock: FixedClock) -> None:
    """Signing works up to the last second of the period and is NOT_OPEN from its end."""
    now = clock.now()
    petition_id = await make_open_petition(database, now, days=30)
    closes = now + timedelta(days=30)
    last_second = closes - timedelta(seconds=1)
    assert await sign(database, petition_id, await new_citizen(database, now), last_second) is (
        SignOutcome.SIGNED
    )
    assert await sign(database, petition_id, await new_citizen(database, now), closes) is (
        SignOutcome.NOT_OPEN
    )
    assert await signature_count(database, petition_id) == (1, 1)


async def test_sign_closed_or_unpublished_is_not_open(
    database: Database, clock: FixedClock
) -> None:
    """A closed petition refuses signatures and counts nothing; an unpublished one is
    "not found" to anyone but its author (as one that does not exist), and not open to
    its author."""
    now = clock.now()
    authority_id = await make_authority(database, now, days=30)
    closed = await make_open_petition(database, now - timedelta(days=40), authority_id=authority_id)
    assert await sweep(database, now) == (1, 0)
    unpublished = await submit(database, authority_id, now)
    citizen_id = await new_citizen(database, now)
    assert await sign(database, closed, citizen_id, now) is SignOutcome.NOT_OPEN
    async with database.transaction() as session:
        petition = await session.get(Petition, unpublished)
        assert petition is not None
        author_id = petition.author_citizen_id
    assert await sign(database, unpublished, author_id, now) is SignOutcome.NOT_OPEN
    for petition_id in (unpublished, 999_999):
        with pytest.raises(PetitionError) as missing:
            await sign(database, petition_id, citizen_id, now)
        assert missing.value.code == "not_found"
    for petition_id in (closed, unpublished):
        assert await signature_count(database, petition_id) == (0, 0)


async def test_one_signature_per_citizen(database: Database, clock: FixedClock) -> None:
    """Signing twice, in one transaction or in two, leaves one row and a count of one."""
    now = clock.now()
    petition_id = await make_open_petition(database, now)
    citizen_id = await new_citizen(database, now)
    async with database.transaction() as session:
        petitions = Petitions(session)
        first = await petitions.sign(petition_id, citizen_id, "viber", now)
        second = await petitions.sign(petition_id, citizen_id, "telegram", now)
    assert first.outcome is SignOutcome.SIGNED
    assert first.signature_count == 1
    assert second.outcome is SignOutcome.ALREADY_SIGNED
    assert (second.signed_at, second.signed_via) == (now, "viber")
    later = now + timedelta(days=1)
    assert await sign(database, petition_id, citizen_id, later) is SignOutcome.ALREADY_SIGNED
    async with database.transaction() as session:
        # The database itself refuses a second row, whoever asks.
        assert not await repo.insert_signature(session, petition_id, citizen_id, "console", later)
    assert await signature_count(database, petition_id) == (1, 1)


# --- merging citizens --------------------------------------------------------------------


async def verify(database: Database, channel: str, user_id: str, phone: str) -> VerifyOutcome:
    async with database.transaction() as session:
        now = datetime(2026, 11, 27, 12, tzinfo=UTC)
        account = await repo.lock_account(session, channel, user_id, "uk", now)
        citizens = Citizens(session, KEY, product_modules().merge_steps)
        result = await citizens.verify_phone(account, phone, is_own=True, now=now)
        return result.outcome


async def citizen_of(database: Database, channel: str, user_id: str) -> int:
    async with database.transaction() as session:
        now = datetime(2026, 11, 27, 9, tzinfo=UTC)
        return (await repo.lock_account(session, channel, user_id, "uk", now)).citizen_id


async def test_merge_keeps_one_signature(database: Database, clock: FixedClock) -> None:
    """Two accounts with one phone become one citizen; a petition both signed counts once."""
    now = clock.now()
    both = await make_open_petition(database, now)
    viber_only = await make_open_petition(
        database, now, authority_id=await make_authority(database, now, name="Інша рада")
    )
    on_telegram = await citizen_of(database, "telegram", "111")
    on_viber = await citizen_of(database, "viber", "vb-1")
    assert on_telegram != on_viber
    assert await sign(database, both, on_telegram, now) is SignOutcome.SIGNED
    assert await sign(database, both, on_viber, now) is SignOutcome.SIGNED
    assert await sign(database, viber_only, on_viber, now) is SignOutcome.SIGNED
    assert await signature_count(database, both) == (2, 2)

    assert await verify(database, "telegram", "111", "380501234567") is VerifyOutcome.VERIFIED
    assert await verify(database, "viber", "vb-1", PHONE) is VerifyOutcome.JOINED

    assert await signature_count(database, both) == (1, 1)
    assert await signature_count(database, viber_only) == (1, 1)
    assert await citizen_of(database, "viber", "vb-1") == on_telegram
    async with database.transaction() as session:
        assert await session.get(Citizen, on_viber) is None
        owners = await session.execute(select(Signature.citizen_id).distinct())
        assert set(owners.scalars()) == {on_telegram}
        accounts = await session.execute(select(func.count()).select_from(ChannelAccount))
        assert accounts.scalar_one() == 2
    assert await sign(database, both, on_telegram, now) is SignOutcome.ALREADY_SIGNED


async def test_merge_keeps_the_earlier_signature(database: Database, clock: FixedClock) -> None:
    """When both accounts signed, the merged citizen keeps the earlier signature."""
    now = clock.now()
    petition_id = await make_open_petition(database, now)
    on_telegram = await citizen_of(database, "telegram", "111")
    on_viber = await citizen_of(database, "viber", "vb-1")
    assert await verify(database, "telegram", "111", PHONE) is VerifyOutcome.VERIFIED
    earlier, later = now + timedelta(hours=1), now + timedelta(hours=2)
    async with database.transaction() as session:
        await Petitions(session).sign(petition_id, on_viber, "viber", earlier)
    async with database.transaction() as session:
        await Petitions(session).sign(petition_id, on_telegram, "telegram", later)

    assert await verify(database, "viber", "vb-1", PHONE) is VerifyOutcome.JOINED

    assert await signature_count(database, petition_id) == (1, 1)
    async with database.transaction() as session:
        kept = await Petitions(session).signature_of(petition_id, on_telegram)
        assert kept is not None
        assert (kept.signed_at, kept.channel) == (earlier, "viber")


# --- the progress bar --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "threshold", "bar"),
    [
        (0, 300, "░░░░░░░░░░"),
        (1, 10_000, "░░░░░░░░░░"),
        (150, 300, "▓▓▓▓▓░░░░░"),
        (299, 300, "▓▓▓▓▓▓▓▓▓░"),
        (24_999, 25_000, "▓▓▓▓▓▓▓▓▓░"),
        (300, 300, "▓▓▓▓▓▓▓▓▓▓"),
        (1_000, 300, "▓▓▓▓▓▓▓▓▓▓"),
    ],
)
def test_progress_bar_shapes(count: int, threshold: int, bar: str) -> None:
    """The bar fills in proportion, is full at the threshold and never overflows."""
    assert progress_bar(count, threshold) == bar


@pytest.mark.parametrize("threshold", [1, 2, 3, 7, 10, 11, 19, 300])
def test_progress_bar_is_never_full_below_threshold(threshold: int) -> None:
    """However close the count, the bar is full only once the threshold is reached."""
    full = "▓" * 10
    for count in range(threshold):
        bar = progress_bar(count, threshold)
        assert len(bar) == 10
        assert bar != full, (count, threshold)
    assert progress_bar(threshold, threshold) == full
