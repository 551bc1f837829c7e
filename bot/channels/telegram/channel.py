"""The Telegram channel: aiogram's ``Bot`` for the Bot API, our webhook route or poller.

Settings: ``VZ_TELEGRAM_TOKEN`` (enables it), ``VZ_TELEGRAM_API_URL`` (any Bot API server,
plain ``http://`` on loopback included), ``VZ_TELEGRAM_MODE`` (``webhook`` when
``VZ_PUBLIC_URL`` is set, else ``polling``), ``VZ_TELEGRAM_WEBHOOK_SECRET`` (else derived
from ``VZ_SECRET_KEY``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.utils.token import TokenValidationError
from aiohttp import web

from bot.channels.base import ChannelStartError, PushResult
from bot.channels.telegram import startup
from bot.channels.telegram.convert import CHANNEL
from bot.channels.telegram.polling import Poller
from bot.channels.telegram.processing import UpdateProcessor
from bot.channels.telegram.render import paid, render
from bot.channels.telegram.webhook import TelegramWebhook
from bot.settings import Settings
from handlers.core import ConversationCore
from handlers.replies import Reply
from handlers.texts import Texts
from locales.catalog import SUPPORTED_LOCALES

log = logging.getLogger(__name__)


class TelegramChannel:
    name = CHANNEL

    def __init__(
        self, settings: Settings, core: ConversationCore, *, poll_timeout: int = 25
    ) -> None:
        if settings.telegram_token is None:
            raise ChannelStartError("VZ_TELEGRAM_TOKEN is not set")
        self.settings = settings
        self.core = core
        self.mode = settings.effective_telegram_mode
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
        try:
            self.bot = Bot(settings.telegram_token.get_secret_value(), session=session)
        except TokenValidationError:
            raise ChannelStartError(
                "VZ_TELEGRAM_TOKEN is malformed: expected the form 123456789:ABC-xyz "
                "that @BotFather gives"
            ) from None
        # A webhook answers button presses in its HTTP answer; polling has to call the API.
        self.processor = UpdateProcessor(self.bot, core, answer_callbacks=self.mode != "webhook")
        self.poller = Poller(self.bot, self.processor, timeout=poll_timeout)
        self._polling: asyncio.Task[None] | None = None
        self.username: str | None = None

    def add_routes(self, app: web.Application) -> None:
        if self.mode == "webhook":
            webhook = TelegramWebhook(self.bot, self.settings.telegram_secret(), self.processor)
            webhook.add_route(app)

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self.bot.session.close()
            raise

    async def _start(self) -> None:
        # A missing public URL is a setting to fix: say so before calling Telegram at all.
        url = startup.webhook_url(self.settings.public_url) if self.mode == "webhook" else None
        me = await startup.identify(self.bot, self.settings.telegram_api_url)
        if me.username:
            username = self.username = me.username
            self.core.share_links[CHANNEL] = lambda payload: (
                f"https://t.me/{username}?start={payload}"
            )
        texts = {locale: Texts(locale, self.settings.zone) for locale in SUPPORTED_LOCALES}
        await startup.publish_commands(
            self.bot, self.core.routes, texts, self.settings.default_locale
        )
        if url is not None:
            await startup.register_webhook(
                self.bot,
                url,
                self.settings.telegram_secret(),
                max_connections=startup.webhook_connections(self.settings.database_pool_size),
            )
            log.info("Telegram @%s: webhook at %s", me.username, url)
        else:
            await startup.stop_webhook(self.bot, self.settings.telegram_api_url)
            self._polling = asyncio.create_task(self.poller.run(), name="telegram-polling")
            log.info("Telegram @%s: polling", me.username)

    async def push(
        self, external_id: str, replies: Sequence[Reply], *, broadcast: bool = False
    ) -> PushResult:
        """A message we start (from the outbox); ``external_id`` is the private chat's
        user id. A broadcast goes as a paid broadcast when VZ_TELEGRAM_PAID_BROADCAST is
        on (Telegram then allows up to 1000 messages a second, 0.1 Star each)."""
        steps = render(replies, chat_id=int(external_id))
        if broadcast and self.settings.telegram_paid_broadcast:
            steps = [paid(step) for step in steps]
        return await self.processor.delivery.push(steps)

    async def stop(self) -> None:
        if self._polling is not None:
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
        await self.bot.session.close()
