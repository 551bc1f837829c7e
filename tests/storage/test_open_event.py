"""Opening an event and reading a petition by Core statements still give real ORM objects."""

from __future__ import annotations

from sqlalchemy import inspect, select

from civic.clock import FixedClock
from storage import repositories as repo
from storage.db import Database
from storage.models import ChannelAccount, Citizen, PetitionStatus
from tests.helpers import make_open_petition


async def _account(database: Database, clock: FixedClock, external_id: str) -> int:
    async with database.transaction() as session:
        account = await repo.lock_account(session, "telegram", external_id, "en", clock.now())
        return account.id


async def test_a_new_sender_is_fresh_without_an_account_and_a_repeat_is_not(
    database: Database, clock: FixedClock
) -> None:
    """The first event of an unknown sender claims its id and finds no account; the same
    id again is a re-delivery."""
    async with database.transaction() as session:
        opened = await repo.open_event(session, "telegram", "501", "update-1", clock.now())
    assert opened == repo.OpenedEvent(fresh=True, account=None)
    async with database.transaction() as session:
        again = await repo.open_event(session, "telegram", "501", "update-1", clock.now())
    assert not again.fresh


async def test_the_opened_account_is_persistent_with_its_citizen_and_saves_changes(
    database: Database, clock: FixedClock
) -> None:
    """The account comes loaded with its citizen, the session has nothing to flush, and a
    change made by a handler (the language) is written at commit like any ORM change."""
    account_id = await _account(database, clock, "502")
    async with database.transaction() as session:
        opened = await repo.open_event(session, "telegram", "502", "update-2", clock.now())
        account = opened.account
        assert opened.fresh
        assert account is not None
        assert account.id == account_id
        assert inspect(account).persistent
        assert not session.dirty
        assert not session.new
        citizen = inspect(account).attrs.citizen.loaded_value
        assert isinstance(citizen, Citizen)
        assert citizen.id == account.citizen_id
        assert account.dialog_state == {}
        assert account.created_at == clock.now()
        account.locale = "uk"
    async with database.transaction() as session:
        stored = await session.scalar(select(ChannelAccount.locale).filter_by(id=account_id))
    assert stored == "uk"


async def test_a_petition_read_twice_in_one_session_is_one_object(
    database: Database, clock: FixedClock
) -> None:
    """petition_by_id gives the petition with its authority and typed columns, and the
    same instance again within the session, as an ORM query would."""
    petition_id = await make_open_petition(database, clock.now(), threshold=500)
    async with database.transaction() as session:
        first = await repo.petition_by_id(session, petition_id)
        second = await repo.petition_by_id(session, petition_id)
        assert first is not None
        assert first is second
        assert first.status is PetitionStatus.OPEN
        assert first.threshold == 500
        assert first.authority.petition_threshold == 500
        assert first.published_at == clock.now()
        assert await repo.petition_by_id(session, petition_id + 1000) is None
