"""What the channel tells Telegram when it starts: who it is, its commands, its webhook.

Failures that an operator must fix become one-line ``ChannelStartError`` messages naming
the setting: a rejected token (VZ_TELEGRAM_TOKEN), a Bot API server that does not answer
(VZ_TELEGRAM_API_URL), webhook mode without a public URL (VZ_PUBLIC_URL).
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.types import BotCommand, User

from bot.channels.base import ChannelStartError
from bot.channels.telegram.convert import ALLOWED_UPDATES
from bot.channels.telegram.webhook import PATH
from handlers.routing import ChatRoutes
from handlers.texts import Texts
from locales.catalog import SUPPORTED_LOCALES

log = logging.getLogger(__name__)


async def identify(bot: Bot, api_url: str) -> User:
    """``getMe``: the bot's own account, proving the token and the API URL work."""
    try:
        return await bot.get_me()
    except (TelegramUnauthorizedError, TelegramNotFound) as error:
        raise ChannelStartError(
            f"VZ_TELEGRAM_TOKEN is rejected by Telegram: {error.message}"
        ) from None
    except TelegramNetworkError as error:
        raise ChannelStartError(
            f"VZ_TELEGRAM_API_URL: the Bot API at {api_url} does not answer ({error.message})"
        ) from None
    except TelegramAPIError as error:
        raise ChannelStartError(
            f"VZ_TELEGRAM_API_URL: the Bot API at {api_url} refused getMe ({error.message})"
        ) from None


def bot_commands(routes: ChatRoutes, texts: Texts) -> list[BotCommand]:
    """The modules' listed commands with their descriptions in ``texts``' language."""
    return [
        BotCommand(command=name, description=description)
        for name, description in routes.command_menu(texts)
    ]


async def publish_commands(
    bot: Bot, routes: ChatRoutes, texts_for: dict[str, Texts], default_locale: str
) -> None:
    """``setMyCommands`` for each language we speak, and the default for all others.

    The command menu is a convenience: a refusal is logged and the channel starts anyway.
    """
    try:
        for locale in SUPPORTED_LOCALES:
            commands = bot_commands(routes, texts_for[locale])
            await bot.set_my_commands(commands, language_code=locale)
        await bot.set_my_commands(bot_commands(routes, texts_for[default_locale]))
    except TelegramAPIError as error:
        log.warning("setMyCommands failed: %s", error)


def webhook_url(public_url: str | None) -> str:
    if not public_url:
        raise ChannelStartError(
            "VZ_PUBLIC_URL is not set: Telegram's webhook mode needs the public base URL "
            "(or set VZ_TELEGRAM_MODE=polling)"
        )
    return public_url.rstrip("/") + PATH


async def stop_webhook(bot: Bot, api_url: str) -> None:
    """``deleteWebhook`` before polling (Telegram refuses getUpdates while one is set)."""
    try:
        await bot.delete_webhook(drop_pending_updates=False)
    except TelegramAPIError as error:
        raise ChannelStartError(
            f"VZ_TELEGRAM_API_URL: the Bot API at {api_url} refused deleteWebhook ({error.message})"
        ) from None


# Telegram accepts 1-100 simultaneous webhook connections per bot.
MAX_WEBHOOK_CONNECTIONS = 100


def webhook_connections(database_pool_size: int) -> int:
    """No more requests in flight than database connections: a request beyond the pool
    would only wait for one, holding Telegram's connection meanwhile."""
    return max(1, min(MAX_WEBHOOK_CONNECTIONS, database_pool_size))


async def register_webhook(bot: Bot, url: str, secret: str, *, max_connections: int) -> None:
    try:
        await bot.set_webhook(
            url=url,
            secret_token=secret,
            allowed_updates=list(ALLOWED_UPDATES),
            max_connections=max_connections,
        )
    except TelegramAPIError as error:
        raise ChannelStartError(
            f"VZ_PUBLIC_URL: Telegram refused the webhook {url} ({error.message})"
        ) from None
