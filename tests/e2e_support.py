"""More helpers for end-to-end tests: row counts, petitions in every state, fresh databases."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from civic.petitions import PetitionDraft, Petitions
from civic.text import search_key
from storage.db import Database
from storage.models import (
    Authority,
    AuthorityLevel,
    Base,
    ChannelAccount,
    Citizen,
    Petition,
    PetitionStatus,
    Signature,
)
from tests.emptying import empty_every_table
from tests.helpers import BODY, make_authority, make_open_petition
from tests.personas import Persona

PHONE = "+380501234567"
COUNTED_TABLES: tuple[type[Base], ...] = (Petition, Signature, Citizen, ChannelAccount)


async def row_counts(database: Database) -> dict[str, int]:
    """Rows per table that a citizen's input could add: petitions, signatures, people."""
    async with database.transaction() as session:
        counts = {}
        for model in COUNTED_TABLES:
            total = (await session.execute(select(func.count()).select_from(model))).scalar_one()
            counts[model.__tablename__] = int(total)
        return counts


async def clean(database: Database) -> None:
    """Empty every table, children first (what the ``database`` fixture does)."""
    async with database.transaction() as session:
        await empty_every_table(session)


async def make_authority_months(
    database: Database, now: datetime, *, threshold: int = 25_000, months: int = 3, name: str
) -> int:
    """A national authority whose collection period is set in months, as the law's."""
    async with database.transaction() as session:
        authority = Authority(
            name_uk=name,
            name_en=f"{name} (en)",
            level=AuthorityLevel.NATIONAL,
            region=None,
            petition_threshold=threshold,
            petition_period_months=months,
            search_text=search_key(name),
            created_at=now,
        )
        session.add(authority)
        await session.flush()
        return authority.id


async def make_petition_in_moderation(
    database: Database, now: datetime, authority_id: int, *, title: str = "Petition in moderation"
) -> int:
    """A petition submitted by some other citizen and not yet published."""
    async with database.transaction() as session:
        author = Citizen(created_at=now)
        session.add(author)
        await session.flush()
        petition = await Petitions(session).submit(
            PetitionDraft(authority_id, title, BODY, "Olena Koval"), author.id, now
        )
        return petition.id


async def make_closed_petition(database: Database, now: datetime) -> int:
    """A petition whose collection period ended below its threshold, closed by the sweep."""
    started = now - timedelta(days=40)
    authority_id = await make_authority(
        database, started, days=30, name="Closed petition's council"
    )
    petition_id = await make_open_petition(database, started, authority_id=authority_id)
    async with database.transaction() as session:
        await Petitions(session).sweep(now)
    assert await petition_status(database, petition_id) is PetitionStatus.CLOSED
    return petition_id


async def petition_status(database: Database, petition_id: int) -> PetitionStatus:
    async with database.transaction() as session:
        petition = await session.get(Petition, petition_id)
        assert petition is not None
        return petition.status


async def account_of(database: Database, channel: str, user_id: str) -> ChannelAccount:
    """A channel account as stored, with its citizen."""
    async with database.transaction() as session:
        account = (
            await session.execute(
                select(ChannelAccount).where(
                    ChannelAccount.channel == channel, ChannelAccount.external_id == user_id
                )
            )
        ).scalar_one()
        return account


def number_of(persona: Persona, label_part: str) -> str:
    """What a citizen types to choose the last reply's button containing ``label_part``."""
    for number, button in enumerate(persona.last.choices, start=1):
        if label_part.casefold() in button.label.casefold():
            return str(number)
    labels = [b.label for b in persona.last.choices]
    raise AssertionError(f"no button with {label_part!r} among {labels}")


def petition_number_in(text: str) -> int:
    """The petition id named as "No. 12" in a reply."""
    found = re.search(r"No\. (\d+)", text)
    assert found is not None, f"no petition number in {text!r}"
    return int(found.group(1))


@asynccontextmanager
async def fresh_postgres_database(existing_url: str) -> AsyncIterator[str]:
    """The URL of a new, empty (unmigrated) database on the server of ``existing_url``."""
    name = f"vz_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(existing_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(existing_url).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
