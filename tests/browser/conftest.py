"""The admin web in a real browser: Debian's headless chromium driven by Playwright, against
the whole product as ``serve`` runs it, with the messenger doubles for Telegram and Viber.

``product`` starts what ``serve`` starts (``bot.cli._background_services``: the one HTTP
server with the API, the attachments, the admin web and both webhooks; the channels; the
scheduler; the notifier draining the outbox) on a loopback port, with the test clock and
the shared test database, both channels pointed at their doubles. Citizens reach it
through the doubles' webhook calls (``TelegramChat``, ``ViberChat``); officials through
``open_page``, a fresh browser context each.

The browser is ``/usr/bin/chromium`` (``make`` installs it; Playwright never downloads
one). Without it the tests skip, saying so, and under ``CI=true`` they fail instead.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from playwright.async_api import Error as PlaywrightError

from bot.app import build_core
from bot.channels.registry import enabled_channels
from bot.channels.telegram.webhook import PATH as TELEGRAM_WEBHOOK
from bot.channels.telegram.webhook import SECRET_HEADER
from bot.cli import _background_services
from bot.modules import product_modules
from bot.settings import Settings
from civic.clock import FixedClock
from storage.db import Database
from tests.channels.telegram.updates import TelegramUser, UpdateBuilder
from tests.channels.viber import builders
from tests.cli_support import free_port
from tests.conftest import TEST_SECRET
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI
from tests.fakes.viber_api import SIGNATURE_HEADER, FakeViberApi, button_labeled, sign

CHROMIUM = Path("/usr/bin/chromium")
# Pages answer in milliseconds; the margin is for a loaded CI machine.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)
VIBER_TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f"

Json = dict[str, Any]


def _unavailable(reason: str) -> NoReturn:
    """Like a missing PostgreSQL (tests/conftest.py): a failure under CI, a skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    """Headless chromium, one for the session (each test opens its own contexts)."""
    async with async_playwright() as playwright:
        try:
            launched = await playwright.chromium.launch(executable_path=str(chromium))
        except PlaywrightError as error:
            _unavailable(f"{chromium} does not start under Playwright: {error}")
        yield launched
        await launched.close()


@dataclass
class TelegramChat:
    """A Telegram user's side: updates posted to our webhook as Telegram posts them."""

    api: FakeTelegramAPI
    http: aiohttp.ClientSession
    secret: str
    updates: UpdateBuilder = field(default_factory=UpdateBuilder)

    async def _post(self, update: Json) -> None:
        headers = {SECRET_HEADER: self.secret}
        async with self.http.post(TELEGRAM_WEBHOOK, json=update, headers=headers) as response:
            assert response.status == 200, await response.text()
            # Telegram makes the Bot API call that a webhook's 200 answer carries.
            await self.api.webhook_answer(response.content_type, await response.read())

    async def say(self, user: TelegramUser, words: str) -> None:
        await self._post(self.updates.message(user, words))

    async def press(self, user: TelegramUser, label_part: str) -> None:
        """Press the first inline button whose text contains ``label_part`` on the latest
        message that has one."""
        for message in reversed(self.api.chat_messages(user.id)):
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            for button in (button for row in rows for button in row):
                if label_part.casefold() in button["text"].casefold():
                    await self._post(self.updates.callback(user, message, button["callback_data"]))
                    return
        raise AssertionError(f"no message in chat {user.id} has a button {label_part!r}")

    def last_text(self, user: TelegramUser) -> str:
        return str(self.api.last_message(user.id)["text"])

    def sent_texts(self, user: TelegramUser) -> list[str]:
        """The texts of every sendMessage the double accepted for this user's chat."""
        calls = self.api.calls_of("sendMessage")
        return [str(call["text"]) for call in calls if call["chat_id"] == user.id]


@dataclass
class ViberChat:
    """A Viber user's side: signed callbacks posted to our webhook as Viber posts them."""

    api: FakeViberApi
    http: aiohttp.ClientSession

    async def post(self, callback: Json) -> None:
        body = json.dumps(callback).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, VIBER_TOKEN)}
        async with self.http.post("/webhooks/viber", data=body, headers=headers) as response:
            assert response.status == 200, await response.text()

    async def say(self, user_id: str, text: str) -> None:
        await self.post(builders.text_message(user_id, text))

    async def press(self, user_id: str, label_part: str) -> None:
        """Tap the button of the current keyboard whose label contains ``label_part``."""
        button = button_labeled(self.api.messages_to(user_id), label_part)
        assert button["ActionType"] == "reply", button
        await self.say(user_id, button["ActionBody"])

    def last_text(self, user_id: str) -> str:
        messages = self.api.messages_to(user_id)
        assert messages, f"nothing was sent to {user_id}"
        return str(messages[-1].get("text", ""))


@dataclass
class Product:
    url: str
    database: Database
    clock: FixedClock
    telegram: TelegramChat
    viber: ViberChat
    http: aiohttp.ClientSession


@pytest.fixture
async def product(
    database: Database, database_url: str, clock: FixedClock
) -> AsyncIterator[Product]:
    """What ``serve`` runs, on a free loopback port, with the messengers' doubles."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with FakeTelegramAPI() as telegram_api, FakeViberApi(VIBER_TOKEN) as viber_api:
        settings = Settings(
            database_url=database_url,
            secret_key=TEST_SECRET,
            http_host="127.0.0.1",
            http_port=port,
            public_url=url,
            default_locale="en",
            telegram_token=DEFAULT_TOKEN,
            telegram_api_url=telegram_api.url,
            viber_token=VIBER_TOKEN,
            viber_api_url=viber_api.api_url,
        )
        # As `serve` builds them (bot/cli.py), with the test clock instead of the system's.
        modules = product_modules()
        core = build_core(settings, database, settings.require_secret_key(), clock, modules)
        channels = enabled_channels(settings, core)
        async with (
            # (Its clock is annotated SystemClock; any Clock works, and here time stands still.)
            _background_services(settings, database, clock, modules, channels),
            aiohttp.ClientSession(base_url=url) as http,
        ):
            yield Product(
                url=url,
                database=database,
                clock=clock,
                telegram=TelegramChat(telegram_api, http, settings.telegram_secret()),
                viber=ViberChat(viber_api, http),
                http=http,
            )


OpenPage = Callable[[], Awaitable[Page]]


@pytest.fixture
async def open_page(browser: Browser, product: Product) -> AsyncIterator[OpenPage]:
    """Opens a page in a new browser context (its own cookies: one person each)."""
    contexts: list[BrowserContext] = []

    async def opened() -> Page:
        context = await browser.new_context(base_url=product.url)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return await context.new_page()

    yield opened
    for context in contexts:
        await context.close()


async def eventually(what: str, check: Callable[[], bool], *, seconds: float = 10.0) -> None:
    """Wait until ``check()`` holds: the notifier sends on its own schedule, as in `serve`
    (it looks at the outbox every 2 s when it was empty)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        assert loop.time() < deadline, f"{what}: not after {seconds} s"
        await asyncio.sleep(0.05)
