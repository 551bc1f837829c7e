"""The conversation's own commands and hooks (start, help, menu, cancel, language, the
phone confirmation), declared like a module so that their names are claimed too."""

from __future__ import annotations

from bot.modules.contract import Module
from handlers import common, verification
from handlers.kept_replies import KEPT_REPLY_KIND, render_kept_replies

MODULE = Module(
    name="core",
    routers=(common.router, verification.router),
    notices={KEPT_REPLY_KIND: render_kept_replies},
)
