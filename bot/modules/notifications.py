"""Notifications: each citizen's choices about announcements and quiet hours, and the
broadcasts' messages as the outbox sends them (with a one-tap stop), and the admin web's
broadcasts (write, preview, send, follow, cancel)."""

from __future__ import annotations

from bot.admin import broadcasts as admin_views
from bot.modules.contract import Module
from civic import preferences
from civic.broadcasts import BROADCAST_KIND
from handlers import notifications

MODULE = Module(
    name="notifications",
    routers=(notifications.router,),
    notices={BROADCAST_KIND: notifications.render_broadcast},
    merge=preferences.merge_step,
    admin=admin_views.VIEWS,
)
