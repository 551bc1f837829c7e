"""``/admin/``: what waits for me, one panel per module that has something waiting."""

from __future__ import annotations

from aiohttp import web

from bot.admin.context import AdminContext
from bot.admin.contract import AdminRoute


async def dashboard(context: AdminContext) -> web.StreamResponse:
    panels = []
    for panel in context.panels:
        fragment = await panel(context)
        if fragment is not None:
            panels.append(fragment)
    return context.render("dashboard.html", panels=panels)


ROUTES = (AdminRoute("GET", "/", dashboard),)
