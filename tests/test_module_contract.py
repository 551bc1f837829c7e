"""The module contract: a module registered in the list reaches every piece of shared
machinery, and two modules claiming one name stop start-up.

The toy module (tests/toy_module.py) is declared in the test suite; ``with_module`` adds
it to the product's list, which is all a new module needs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import jsonschema
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_core
from bot.channels.telegram.channel import TelegramChannel
from bot.modules import MODULES, Module, ModuleConflict, Modules, product_modules
from bot.notifier import Notifier
from bot.scheduler import run_scheduled_once
from bot.settings import Settings
from bot.web.routes import ApiRoute
from bot.web.server import create_app
from civic.clock import FixedClock
from civic.deadlines import KYIV
from civic.petitions import signers
from civic.schedule import ScheduledStep
from handlers.core import ConversationCore
from handlers.petition_payloads import OpenPetition
from handlers.router import Router
from handlers.texts import Texts
from storage.db import Database
from tests.bot.test_notifier import RecordingPusher
from tests.channels.telegram.conftest import fake_api, telegram_settings
from tests.conftest import TEST_SECRET
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.personas import Persona
from tests.toy_module import WATERED, GardenBook, garden_module

__all__ = ["fake_api"]

Client = TestClient[web.Request, web.Application]
PHONE = "+380501112233"


@pytest.fixture
def book() -> GardenBook:
    return GardenBook()


@pytest.fixture
def with_garden(book: GardenBook) -> Modules:
    """The product's modules and the toy one: the one-line registration."""
    return product_modules().with_module(garden_module(book))


@pytest.fixture
def garden_core(
    settings: Settings, database: Database, clock: FixedClock, with_garden: Modules
) -> ConversationCore:
    return build_core(settings, database, TEST_SECRET, clock, with_garden)


async def test_the_core_carries_a_registered_module(
    garden_core: ConversationCore, core: ConversationCore, book: GardenBook
) -> None:
    """Welcome line, main menu, profile entry, command, /help, buttons and deep link of the
    toy module all work once it is in the list, and none of them without it."""
    olena = Persona(garden_core, channel="console", user_id="olena", language_code="en")
    await olena.say("/start")
    assert "• water the trees of the community garden" in olena.last.text
    assert "🌳 Garden" in [button.label for button in olena.last.choices]
    await olena.say("🌳 Garden")
    assert "trees 1 to 3" in olena.last.text
    await olena.press(olena.payload_of("Water tree 3"))
    assert olena.last.text == "You watered tree 3."
    await olena.say("/start tree_2")
    assert olena.last.text == "Tree 2"
    await olena.say("/help")
    assert "/garden: The community garden" in olena.last.text
    await olena.say("/profile")
    assert "🌳 My trees" in [button.label for button in olena.last.choices]
    await olena.press("tw:abc")
    assert "That button is no longer valid" in olena.last.text
    assert len(book.waterings) == 1

    without = Persona(core, channel="console", user_id="taras", language_code="en")
    await without.say("/start")
    assert "garden" not in without.last.text
    await without.say("/garden")
    assert "I do not know the command /garden" in without.last.text
    await without.press("tw:3")
    assert "That button is no longer valid" in without.last.text


async def test_the_scheduler_and_the_notifier_carry_a_registered_module(
    garden_core: ConversationCore,
    database: Database,
    clock: FixedClock,
    with_garden: Modules,
    book: GardenBook,
) -> None:
    """The toy's scheduled step runs with the others and owes a notice of its own kind,
    which the notifier renders with the toy's renderer and sends."""
    olena = Persona(garden_core, channel="console", user_id="olena", language_code="en")
    await olena.say("/start tree_7")
    await olena.press(olena.payload_of("Water it"))

    outcomes = await run_scheduled_once(database, clock, with_garden.scheduled_steps)
    assert [outcome.name for outcome in outcomes] == [
        "petitions",
        "information requests",
        "polls",
        "elections",
        "consultations",
        "garden",
    ]
    assert outcomes[-1].summary() == "garden: 1 trees watered"
    assert book.runs == [clock.now()]

    pusher = RecordingPusher("console")
    notifier = Notifier(database, clock, [pusher], KYIV, with_garden.notice_renderers)
    assert await notifier.run_once() == 1
    assert pusher.sent == [("olena", ["Tree 7 thanks you for the water."])]

    # Without the module the same kind is not rendered: the notice is dropped with a reason.
    book.told.clear()
    await run_scheduled_once(database, clock, with_garden.scheduled_steps)
    clock.at += timedelta(minutes=1)
    plain = Notifier(database, clock, [pusher], KYIV, product_modules().notice_renderers)
    assert await plain.run_once() == 0
    assert len(pusher.sent) == 1


async def test_the_merge_carries_a_registered_module(
    garden_core: ConversationCore, book: GardenBook
) -> None:
    """When two citizens turn out to be one, the toy module's merge step moves its rows."""
    on_viber = Persona(garden_core, channel="viber", user_id="olena-v", language_code="en")
    await on_viber.say("/start")
    await on_viber.share_phone(PHONE)
    on_telegram = Persona(garden_core, channel="telegram", user_id="42", language_code="en")
    await on_telegram.say("/start tree_5")
    await on_telegram.press(on_telegram.payload_of("Water it"))
    ((source, tree),) = book.waterings

    await on_telegram.share_phone(PHONE)

    assert "We know you from another messenger" in on_telegram.last.text
    ((source_id, target_id),) = book.merges
    assert source_id == source
    assert book.waterings == [(target_id, tree)]


async def test_the_command_menu_carries_a_registered_module(
    database: Database,
    database_url: str,
    clock: FixedClock,
    garden_core: ConversationCore,
    fake_api: FakeTelegramAPI,
) -> None:
    """Telegram's command menu lists the toy command in every language."""
    channel = TelegramChannel(telegram_settings(database_url, fake_api.url), garden_core)
    app = create_app(database, clock)
    channel.add_routes(app)
    await channel.start()
    try:
        for key, commands in fake_api.commands.items():
            names = [command["command"] for command in commands]
            assert "garden" in names, key
            assert names.index("garden") < names.index("profile")
    finally:
        await channel.stop()


@pytest.fixture
async def garden_api(
    database: Database, clock: FixedClock, with_garden: Modules
) -> AsyncIterator[Client]:
    client: Client = TestClient(TestServer(create_app(database, clock, modules=with_garden)))
    await client.start_server()
    yield client
    await client.close()


async def test_the_open_data_api_carries_a_registered_module(
    garden_api: Client, book: GardenBook
) -> None:
    """The toy route is served, and /api/v1/openapi.json documents it with the schema of
    its model, which its answer validates against."""
    book.waterings += [(1, 3), (2, 3), (2, 1)]
    document = await (await garden_api.get("/api/v1/openapi.json")).json()
    assert "/api/v1/garden/trees" in document["paths"]
    operation = document["paths"]["/api/v1/garden/trees"]["get"]
    assert operation["operationId"] == "listTrees"
    assert {"name": "garden", "description": "The community garden."} in document["tags"]
    assert "TreeList" in document["components"]["schemas"]

    response = await garden_api.get("/api/v1/garden/trees")
    assert response.status == 200
    body = await response.json()
    assert body == {
        "items": [{"id": 1, "waterings": 1}, {"id": 3, "waterings": 2}],
        "next": None,
    }
    root: dict[str, Any] = {**document, "$ref": "#/components/schemas/TreeList"}
    jsonschema.Draft202012Validator(root).validate(body)


async def test_the_product_api_has_no_toy_route(database: Database, clock: FixedClock) -> None:
    """Without registration the toy route and its schema are nowhere."""
    client: Client = TestClient(TestServer(create_app(database, clock)))
    await client.start_server()
    try:
        document = await (await client.get("/api/v1/openapi.json")).json()
        assert not any("garden" in path for path in document["paths"])
        assert "TreeList" not in document["components"]["schemas"]
        assert (await client.get("/api/v1/garden/trees")).status == 404
    finally:
        await client.close()


# --- conflicts ---------------------------------------------------------------------------


def _thief(**parts: Any) -> Module:
    return Module(name="thief", **parts)


def _router_claiming(kind: str) -> Router:
    router = Router("thief")

    async def handler(*_args: Any) -> None:
        return None

    if kind == "button":
        router.button(OpenPetition)(handler)
    elif kind == "command":
        router.command("petitions")(handler)
    elif kind == "deep link":
        router.deep_link("petition")(handler)
    return router


def test_a_duplicate_button_prefix_stops_start_up_naming_both_modules() -> None:
    """A module claiming the petitions' "pv" prefix is refused when the modules are joined,
    with a message naming both modules: the core is never built."""
    with pytest.raises(ModuleConflict) as refused:
        Modules([*MODULES, _thief(routers=(_router_claiming("button"),))])
    message = str(refused.value)
    assert "button prefix 'pv'" in message
    assert "'petitions'" in message
    assert "'thief'" in message


async def _nothing(*_args: Any) -> Any:
    return None


@pytest.mark.parametrize(
    ("thief", "claimed", "owner"),
    [
        (_thief(routers=(_router_claiming("command"),)), "command /petitions", "petitions"),
        (
            _thief(routers=(_router_claiming("deep link"),)),
            "deep-link kind 'petition'",
            "petitions",
        ),
        (
            _thief(notices={"request_answered": _nothing}),
            "notice kind 'request_answered'",
            "information_requests",
        ),
        (
            _thief(mails={"answer_copy": _nothing}),
            "mail kind 'answer_copy'",
            "information_requests",
        ),
        (
            _thief(fan_outs={"petition_signers": signers}),
            "fan-out audience 'petition_signers'",
            "petitions",
        ),
        (
            _thief(scheduled=(ScheduledStep("petitions", _nothing),)),
            "scheduled step 'petitions'",
            "petitions",
        ),
        (
            _thief(
                api=(
                    ApiRoute(
                        path="/petitions",
                        operation_id="steal",
                        tag=MODULES[2].api[0].tag,
                        summary="x",
                        description="x",
                        response=MODULES[2].api[0].response,
                        handler=_nothing,
                    ),
                )
            ),
            "API path /api/v1/petitions",
            "petitions",
        ),
        (Module(name="petitions"), "module name 'petitions'", "petitions"),
    ],
    ids=["command", "deep-link", "notice", "mail", "fan-out", "step", "api-path", "module-name"],
)
def test_every_shared_name_is_claimed_once(thief: Module, claimed: str, owner: str) -> None:
    """Commands, deep links, notice and mail kinds, fan-out audiences, step names, API
    paths and module names are refused a second time, naming both modules."""
    with pytest.raises(ModuleConflict) as refused:
        Modules([*MODULES, thief])
    message = str(refused.value)
    assert claimed in message
    assert f"'{owner}'" in message
    assert f"'{thief.name}'" in message


def test_the_product_modules_are_joined_without_conflict() -> None:
    """The product's own list passes its checks, and its command menu lists every module's
    command in both languages."""
    modules = product_modules()
    for locale in ("uk", "en"):
        names = [name for name, _ in modules.chat_routes.command_menu(Texts(locale, KYIV))]
        assert {"petitions", "newpetition", "request", "myrequests", "authorities"} <= set(names)
    assert set(modules.notice_renderers) >= {"request_answered", "request_overdue"}
    assert WATERED not in modules.notice_renderers
