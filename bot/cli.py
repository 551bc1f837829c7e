"""The ``vzayemodiia`` command line (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import AsyncIterator, Sequence

from aiohttp import web

from bot.admin_command import add_admin_command, demo_login, run_create_admin
from bot.app import build_core, secret_key_for_local_use
from bot.authorities_command import run_authorities
from bot.broadcast_command import add_broadcast_command, run_broadcast
from bot.calendar_command import add_calendar_commands, run_calendar
from bot.channels.base import ChannelStartError, ChatChannel, Pusher
from bot.channels.registry import enabled_channels
from bot.command_support import CommandRefused, open_database
from bot.mailer import Mailer, SmtpSender
from bot.modules import ModuleConflict, Modules, product_modules
from bot.notifier import Notifier
from bot.organisations_command import add_organisations_command, run_organisations
from bot.scheduler import run_forever, run_scheduled_once
from bot.sending_limits import SendingLimits
from bot.settings import Settings, SettingsError, load_settings
from bot.tally_command import add_tally_command, run_tally
from civic.clock import SystemClock
from civic.demo import seed_demo
from civic.identity import attachment_key
from storage.db import Database, ensure_sqlite_directory
from storage.migrate import upgrade_async

log = logging.getLogger("vzayemodiia")

# What `serve --role` runs (DESIGN.md §2).
ROLES = ("web", "worker", "all")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vzayemodiia",
        description="VzayemoDiia chat: e-petitions and more, over Telegram, Viber and a console.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "demo",
        help="embedded default: SQLite in ./var, migrations, demo content, "
        "HTTP server and a chat in this terminal",
    )
    serve = commands.add_parser(
        "serve", help="production: the HTTP server, the scheduled steps and the outbox"
    )
    serve.add_argument(
        "--role",
        choices=ROLES,
        default="all",
        help="web: HTTP only (webhooks, admin web, API); worker: the scheduled steps and "
        "the outbox's delivery only; all (default): both",
    )
    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--user", default="local", help="console user id (default: local)")
    chat.add_argument("--language", default=None, help="platform language code, e.g. en or uk")
    chat.add_argument("--start", default="", help="deep-link payload, e.g. petition_1")
    commands.add_parser("migrate", help="apply database migrations")
    commands.add_parser("seed-demo", help="add the demo content (idempotent)")
    commands.add_parser("tick", help="run the scheduled steps once (for cron)")
    authorities = commands.add_parser(
        "authorities", help="import or export the directory of authorities as CSV"
    )
    actions = authorities.add_subparsers(dest="action", required=True, metavar="ACTION")
    importing = actions.add_parser(
        "import",
        help="create or update authorities from a CSV file (all or nothing)",
    )
    importing.add_argument("file", metavar="FILE", help="UTF-8 CSV file, or - for standard input")
    exporting = actions.add_parser("export", help="write every authority to a CSV file")
    exporting.add_argument(
        "file", metavar="FILE", help="CSV file to write, or - for standard output"
    )
    add_organisations_command(commands)
    add_tally_command(commands)
    add_calendar_commands(commands)
    add_admin_command(commands)
    add_broadcast_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic narrates every schema check at INFO; start-up errors should stay one line.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = load_settings()
        runner = {
            "demo": _demo,
            "serve": _serve,
            "chat": _chat,
            "migrate": _migrate,
            "seed-demo": _seed,
            "tick": _tick,
            "authorities": run_authorities,
            "organisations": run_organisations,
            "tally": run_tally,
            "calendar": run_calendar,
            "create-admin": run_create_admin,
            "broadcast": run_broadcast,
        }[args.command]
        return asyncio.run(runner(settings, args))
    except (SettingsError, ChannelStartError) as error:
        print(f"vzayemodiia: {error}", file=sys.stderr)
        return 2
    except ModuleConflict as error:
        print(f"vzayemodiia: the modules conflict: {error}", file=sys.stderr)
        return 2
    except CommandRefused as error:
        print(f"vzayemodiia: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): nothing left to say.
        sys.stderr.close()
        return 0


async def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    ensure_sqlite_directory(settings.database_url)
    await upgrade_async(settings.database_url)
    print("Database schema is up to date.")
    return 0


def _listed(counts: dict[str, int]) -> str:
    """``{"authorities": 6, "petitions": 3}`` → "6 authorities and 3 petitions"."""
    parts = [f"{count} {what}" for what, count in counts.items()]
    if len(parts) < 2:
        return "".join(parts) or "nothing"
    return ", ".join(parts[:-1]) + " and " + parts[-1]


async def _seed(settings: Settings, _args: argparse.Namespace) -> int:
    database = await open_database(settings)
    try:
        async with database.transaction() as session:
            steps = product_modules().demo_steps
            added = await seed_demo(session, SystemClock().now(), steps)
    finally:
        await database.dispose()
    print(f"Demo content: {_listed(added)} added.")
    return 0


async def _tick(settings: Settings, _args: argparse.Namespace) -> int:
    database = await open_database(settings)
    try:
        outcomes = await run_scheduled_once(
            database, SystemClock(), product_modules().scheduled_steps
        )
    finally:
        await database.dispose()
    for outcome in outcomes:
        print(outcome.summary())
    return 1 if any(outcome.report is None for outcome in outcomes) else 0


async def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.console import ConsoleChannel

    database = await open_database(settings)
    try:
        core = build_core(settings, database, secret_key_for_local_use(settings))
        console = ConsoleChannel(core, user_id=args.user, language_code=args.language)
        await console.run(args.start)
    finally:
        await database.dispose()
    return 0


@contextlib.asynccontextmanager
async def _background_services(
    settings: Settings,
    database: Database,
    clock: SystemClock,
    modules: Modules,
    channels: Sequence[ChatChannel] = (),
    role: str = "all",
) -> AsyncIterator[None]:
    """Until the block ends: for the web role the HTTP server and the messengers' webhooks
    (or polling); for the worker role the scheduled steps and the outbox's delivery, which
    writes to the messengers through the same channels without registering anything."""
    web_role, worker_role = role in ("web", "all"), role in ("worker", "all")
    runner = await _http_server(settings, database, clock, modules, channels) if web_role else None
    started: list[ChatChannel] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        if web_role:
            for channel in channels:
                await channel.start()
                started.append(channel)
        if worker_role:
            tasks = _workers(settings, database, clock, modules, channels)
        yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for channel in reversed(started if web_role else list(channels)):
            await channel.stop()
        if runner is not None:
            await runner.cleanup()


async def _http_server(
    settings: Settings,
    database: Database,
    clock: SystemClock,
    modules: Modules,
    channels: Sequence[ChatChannel],
) -> web.AppRunner:
    from bot.admin.site import AdminSite, admin_settings
    from bot.web.server import create_app, start_http

    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    key = attachment_key(secret) if secret else None
    admin = AdminSite(database, clock, admin_settings(settings), modules.admin_views)
    app = create_app(
        database, clock, settings.public_url, attachment_key=key, modules=modules, admin=admin
    )
    for channel in channels:
        channel.add_routes(app)
    return await start_http(app, settings.http_host, settings.http_port)


def _workers(
    settings: Settings,
    database: Database,
    clock: SystemClock,
    modules: Modules,
    channels: Sequence[ChatChannel],
) -> list[asyncio.Task[None]]:
    """The scheduler, the chat outbox (notices and broadcasts) and the mail outbox."""
    tasks = [
        asyncio.create_task(
            run_forever(
                database, clock, modules.scheduled_steps, settings.schedule_interval_seconds
            )
        )
    ]
    pushers = [channel for channel in channels if isinstance(channel, Pusher)]
    if pushers:
        notices = Notifier(
            database,
            clock,
            pushers,
            settings.zone,
            modules.notice_renderers,
            limits=sending_limits(settings),
            quiet=settings.quiet,
            fan_outs=modules.fan_out_audiences,
            digest_time=settings.digest_time,
        )
        tasks.append(asyncio.create_task(notices.run_forever(NOTICE_INTERVAL_SECONDS)))
    if settings.smtp_url is not None:
        sender = SmtpSender(settings.smtp_url.get_secret_value(), settings.mail_from)
        outbox = Mailer(database, clock, sender, settings.zone, modules.mail_renderers)
        tasks.append(asyncio.create_task(outbox.run_forever(MAIL_INTERVAL_SECONDS)))
    return tasks


def sending_limits(settings: Settings) -> SendingLimits:
    return SendingLimits({"telegram": settings.telegram_rate, "viber": settings.viber_rate})


# Collect the youngest generation after this many new container objects, not Python's
# default 700: one webhook event allocates thousands (pydantic models, SQLAlchemy rows), so
# the default ran ~1,500 collections per 5,000 events, 1.5 s of CPU; this runs ~30, 0.4 s
# (docs/performance.md). Garbage cycles wait a little longer to be freed; memory is not
# a concern at these sizes.
GC_THRESHOLDS = (20_000, 20, 20)


# How often `serve` looks for notices to send when the outbox was empty.
NOTICE_INTERVAL_SECONDS = 2.0
MAIL_INTERVAL_SECONDS = 10.0


def _tune_garbage_collection() -> None:
    """Keep what start-up built (aiogram's ~1,400 pydantic models, schemas, catalogs) out
    of garbage collection, whose full passes over it took ~120 ms each and made the whole
    p99 tail of the webhook, and collect less often (docs/performance.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


async def _serve(settings: Settings, args: argparse.Namespace) -> int:
    settings.require_secret_key()
    database = await open_database(settings, pool_size=settings.database_pool_size, max_overflow=0)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    clock = SystemClock()
    modules = product_modules()
    core = build_core(settings, database, settings.require_secret_key(), clock, modules)
    channels = enabled_channels(settings, core)
    try:
        async with _background_services(
            settings, database, clock, modules, channels, role=args.role
        ):
            _tune_garbage_collection()
            if args.role == "worker":
                print("Worker: scheduled steps and the outbox's delivery", flush=True)
            else:
                print(f"Serving on http://{settings.http_host}:{settings.http_port}/", flush=True)
            await stop.wait()
    finally:
        await database.dispose()
    return 0


async def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.console import ConsoleChannel

    logging.getLogger().setLevel(logging.WARNING)
    secret_key = secret_key_for_local_use(settings)
    await _migrate(settings, args)
    await _seed(settings, args)
    database = Database(settings.database_url)
    clock = SystemClock()
    modules = product_modules()
    try:
        async with _background_services(settings, database, clock, modules):
            base = f"http://{settings.http_host}:{settings.http_port}"
            print(f"Public API: {base}/api/v1/petitions  (OpenAPI: {base}/api/v1/openapi.json)")
            login, password = await demo_login(database, clock.now())
            print(f"Admin web: {base}/admin/  (demo login: {login}, password: {password})")
            print("Chat below. Type a number to choose, /help for help, /quit to leave.\n")
            core = build_core(settings, database, secret_key, clock, modules)
            await ConsoleChannel(core, user_id="demo").run()
    finally:
        await database.dispose()
    return 0
