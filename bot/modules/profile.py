"""My profile: language, phone, messengers, and the entries other modules add to it."""

from __future__ import annotations

from bot.modules.contract import Module
from handlers import profile

MODULE = Module(name="profile", routers=(profile.router,))
