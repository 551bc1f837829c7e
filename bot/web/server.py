"""The aiohttp application and its start-up."""

from __future__ import annotations

from aiohttp import web

from bot.admin.site import AdminSite
from bot.modules import Modules, product_modules
from bot.web import api, attachments
from bot.web.keys import CLOCK_KEY, DATABASE_KEY, PUBLIC_URL_KEY
from civic.clock import Clock
from storage.db import Database


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers, 503 otherwise."""
    database = request.app[DATABASE_KEY]
    if await database.ping():
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "database unavailable"}, status=503)


def create_app(
    database: Database,
    clock: Clock,
    public_url: str | None = None,
    *,
    attachment_key: bytes | None = None,
    modules: Modules | None = None,
    admin: AdminSite | None = None,
) -> web.Application:
    """The one HTTP server's application: health, the modules' open data (and, added by
    the channels, their webhooks)."""
    modules = modules or product_modules()
    app = web.Application(client_max_size=1024 * 1024)
    app[DATABASE_KEY] = database
    app[CLOCK_KEY] = clock
    if public_url:
        app[PUBLIC_URL_KEY] = public_url.rstrip("/")
    app.router.add_get("/healthz", healthz)
    api.add_routes(app, modules.api_routes)
    if attachment_key is not None:
        attachments.add_route(app, attachment_key)
    if admin is not None:
        admin.add_routes(app)
    return app


async def start_http(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner
