"""The messenger channels whose tokens are set."""

from __future__ import annotations

from bot.channels.base import ChatChannel
from bot.settings import Settings
from handlers.core import ConversationCore


def enabled_channels(settings: Settings, core: ConversationCore) -> list[ChatChannel]:
    channels: list[ChatChannel] = []
    if settings.telegram_token is not None:
        from bot.channels.telegram.channel import TelegramChannel

        channels.append(TelegramChannel(settings, core))
    if settings.viber_token is not None:
        from bot.channels.viber.channel import ViberChannel

        channels.append(ViberChannel(settings, core))
    return channels
