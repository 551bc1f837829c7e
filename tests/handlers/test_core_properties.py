"""The conversation core under arbitrary input, by property (Hypothesis).

A citizen (the owner) has a petition in moderation, a rejected one, an information
request waiting for their clarification and a signature. Another citizen (the visitor),
on any channel, sends any sequence of events: any text (any Unicode, control characters,
very long), payloads for every registered button route (well-formed ones naming the
owner's rows, and forged ones), contacts, commands, deep links, and repeats of earlier
events. Whatever they send:

- no exception escapes the core, and nothing fails in it (no "something went wrong");
- every fresh event gets at least one reply with text; a repeat gets none;
- nothing the visitor is shown names what only the owner may see;
- nothing of the owner's changes.

The normal test run tries a fixed, derandomized set of examples on each database; set
``VZ_HYPOTHESIS_PROFILE=long`` for a longer, random run.
"""

from __future__ import annotations

import enum
import os
import uuid
from dataclasses import dataclass, fields
from typing import Annotated, Any, get_args, get_origin, get_type_hints

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from civic.clock import FixedClock
from civic.information_requests import InformationRequests, RequestDraft
from civic.petitions import PetitionDraft, Petitions
from handlers.core import ConversationCore
from handlers.events import ButtonPress, Command, ContactShared, IncomingEvent, Sender, Text
from handlers.payloads import Bounded, Payload
from storage.db import Database
from storage.models import ChannelAccount, InformationRequest, Petition, Signature
from tests.helpers import BODY, make_authority, make_open_petition
from tests.personas import Persona

settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROFILE = os.environ.get("VZ_HYPOTHESIS_PROFILE", "ci")

OWNER_PHONE = "+380671112299"
MODERATION_TITLE = "Canary moderation petition Qx7 title"
REJECTED_TITLE = "Canary rejected petition Zk4 title"
REQUEST_BODY = "Canary request body Wm2: please send the 2026 budget of the school board."
QUESTION = "Canary question Pv9: which school do you mean?"
SECRETS = ("Qx7", "Zk4", "Wm2", "Pv9")
FAILURE = "something went wrong"


@dataclass(frozen=True)
class World:
    authority_id: int
    open_petition: int
    moderation_petition: int
    rejected_petition: int
    request_id: int
    owner_citizen: int

    @property
    def ids(self) -> list[int]:
        return [
            self.authority_id,
            self.open_petition,
            self.moderation_petition,
            self.rejected_petition,
            self.request_id,
            self.owner_citizen,
        ]


@pytest.fixture
async def world(core: ConversationCore, database: Database, clock: FixedClock) -> World:
    """The owner and what is theirs, made once per test (per database)."""
    now = clock.now()
    authority_id = await make_authority(database, now, name="Рада громади")
    open_petition = await make_open_petition(database, now, authority_id=authority_id)
    owner = Persona(core, channel="viber", user_id="owner", language_code="en")
    await owner.say("/start")
    await owner.share_phone(OWNER_PHONE)
    async with database.transaction() as session:
        account = (
            await session.execute(
                select(ChannelAccount).where(ChannelAccount.external_id == "owner")
            )
        ).scalar_one()
        citizen = account.citizen_id
        petitions = Petitions(session)
        moderation = await petitions.submit(
            PetitionDraft(authority_id, MODERATION_TITLE, BODY, "Owner Name"), citizen, now
        )
        rejected = await petitions.submit(
            PetitionDraft(authority_id, REJECTED_TITLE, BODY, "Owner Name"), citizen, now
        )
        await petitions.reject(rejected.id, "Does not meet the requirements of the law.", now)
        await petitions.sign(open_petition, citizen, "viber", now)
        requests = InformationRequests(session)
        filed = await requests.file(
            RequestDraft(authority_id, REQUEST_BODY, "Owner Name"), citizen, "viber", "en", now
        )
        await requests.ask_clarification(filed.request.id, QUESTION, now)
        return World(
            authority_id, open_petition, moderation.id, rejected.id, filed.request.id, citizen
        )


async def _owners_rows(database: Database, world: World) -> dict[str, Any]:
    async with database.transaction() as session:
        petitions = (
            await session.execute(
                select(Petition.id, Petition.status, Petition.title, Petition.author_citizen_id)
                .where(Petition.author_citizen_id == world.owner_citizen)
                .order_by(Petition.id)
            )
        ).all()
        request = await session.get(InformationRequest, world.request_id)
        assert request is not None
        signatures = (
            await session.execute(
                select(Signature.petition_id).where(Signature.citizen_id == world.owner_citizen)
            )
        ).all()
        accounts = (
            await session.execute(
                select(ChannelAccount.external_id, ChannelAccount.citizen_id).where(
                    ChannelAccount.citizen_id == world.owner_citizen
                )
            )
        ).all()
        return {
            "petitions": [tuple(row) for row in petitions],
            "request": (
                request.citizen_id,
                request.status,
                request.body,
                request.clarification_question,
                request.clarification_answer,
            ),
            "signatures": [tuple(row) for row in signatures],
            "accounts": [tuple(row) for row in accounts],
        }


# --- strategies ---------------------------------------------------------------------------


def _field_values(hint: Any, ids: list[int]) -> st.SearchStrategy[Any]:
    if get_origin(hint) is Annotated:
        bounds = next(item for item in get_args(hint)[1:] if isinstance(item, Bounded))
        special = [i for i in ids if bounds.minimum <= i <= bounds.maximum]
        return st.one_of(
            st.sampled_from([*special, bounds.minimum, bounds.maximum]),
            st.integers(bounds.minimum, bounds.maximum),
        )
    if hint is bool:
        return st.booleans()
    assert isinstance(hint, type)
    assert issubclass(hint, enum.Enum)
    return st.sampled_from(list(hint))


def _well_formed(codec: type[Payload], ids: list[int]) -> st.SearchStrategy[str]:
    hints = get_type_hints(codec, include_extras=True)
    values = {f.name: _field_values(hints[f.name], ids) for f in fields(codec)}  # type: ignore[arg-type]
    return st.fixed_dictionaries(values).map(lambda kw: codec(**kw).pack())


def _payloads(core: ConversationCore, ids: list[int]) -> st.SearchStrategy[str]:
    prefixes = sorted(core.routes.buttons)
    forged = st.builds(
        lambda prefix, rest: f"{prefix}:{rest}" if rest is not None else prefix,
        st.sampled_from([*prefixes, "zz", ""]),
        st.none() | st.text(alphabet="0123456789:-+abcé٣ ", max_size=30),
    )
    known = st.one_of(*(_well_formed(route.codec, ids) for route in core.routes.buttons.values()))
    return st.one_of(known, forged)


def _texts(ids: list[int]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=200),
        st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Mn", "So"]), max_size=50),
        st.sampled_from(["1", "2", "3", "9", "0", "²", "yes", "так", "no", "ні", "да", ""]),
        st.integers(4_000, 25_000).map(lambda n: "ї" * n),
        st.sampled_from(ids).map(str),
    )


def _commands(core: ConversationCore, ids: list[int]) -> st.SearchStrategy[str]:
    names = [*sorted(core.routes.commands), "unknown", "Start", "start@bot"]
    links = st.builds(
        lambda kind, number: f"/start {kind}_{number}",
        st.sampled_from([*sorted(core.routes.deep_links), "request", "nothing"]),
        st.sampled_from(ids) | st.integers(0, 2**64),
    )
    plain = st.builds(
        lambda name, rest: f"/{name} {rest}".strip(),
        st.sampled_from(names),
        st.text(max_size=40),
    )
    return st.one_of(links, plain)


def _bodies(core: ConversationCore, ids: list[int]) -> st.SearchStrategy[Any]:
    phones = st.sampled_from(
        ["+380501234599", "380931112244", "+1 202 555 0199", "not a phone", "", "+38067"]
    )
    return st.one_of(
        _texts(ids).map(Text),
        _payloads(core, ids).map(ButtonPress),
        _commands(core, ids).map(Text),
        st.builds(ContactShared, phones, st.booleans()),
        st.builds(
            lambda name, payload: Command(name, payload),
            st.sampled_from(["start", "x"]),
            st.text(max_size=20),
        ),
    )


# --- the property ---------------------------------------------------------------------------


@pytest.mark.slow
@settings(settings.get_profile(PROFILE))
@given(data=st.data())
async def test_no_input_breaks_the_core_or_reaches_another_citizens_data(
    core: ConversationCore, database: Database, world: World, data: st.DataObject
) -> None:
    """Whatever a visitor sends, on any channel and in any order: no exception, no
    failure, a reply to every fresh event and none to a repeat, nothing of the owner's
    shown or changed."""
    before = await _owners_rows(database, world)
    channel = data.draw(st.sampled_from(["telegram", "viber", "console"]), label="channel")
    visitor = Sender(
        channel, f"v-{uuid.uuid4().hex[:12]}", data.draw(st.sampled_from(["en", "uk", None]))
    )
    bodies = data.draw(st.lists(_bodies(core, world.ids), min_size=1, max_size=10), label="events")
    run = uuid.uuid4().hex[:8]
    seen: set[str] = set()
    for index, body in enumerate(bodies):
        event_id = None
        if channel != "console":
            # Sometimes an event id seen before: a re-delivery.
            number = data.draw(st.integers(0, index), label="event id")
            event_id = f"{run}-{number}"
        handled = await core.process(IncomingEvent(visitor, body, event_id))
        if event_id is not None and event_id in seen:
            assert handled.repeated, body
            assert handled.replies == [], body
            continue
        if event_id is not None:
            seen.add(event_id)
        assert not handled.repeated
        assert handled.replies, body
        for reply in handled.replies:
            assert reply.text.strip(), body
            shown = reply.text + " ".join(button.label for button in reply.choices)
            assert FAILURE not in shown, (body, reply.text)
            for secret in SECRETS:
                assert secret not in shown, (body, reply.text)
    assert await _owners_rows(database, world) == before
