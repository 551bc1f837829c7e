"""The ``vzayemodiia`` command line (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import re
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import String, select

from bot.app import build_core, secret_key_for_local_use
from bot.channels.base import ChannelStartError, ChatChannel, Pusher
from bot.channels.registry import enabled_channels
from bot.mailer import Mailer, SmtpSender
from bot.notifier import Notifier
from bot.scheduler import run_forever, run_scheduled_once
from bot.settings import Settings, SettingsError, load_settings
from civic.authority_directory import export_authorities, import_authorities
from civic.clock import SystemClock
from civic.demo import seed_demo
from civic.identity import attachment_key
from civic.information_requests import REASON_RULE, InformationRequests, Moved, RequestError
from civic.text import LengthRule, TextProblem, check_length
from civic.working_days import WorkingCalendar
from storage.db import Database, ensure_sqlite_directory
from storage.migrate import schema_is_current, upgrade_async
from storage.models import CalendarDayKind, CalendarOverride

log = logging.getLogger("vzayemodiia")


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
    commands.add_parser("serve", help="production: the HTTP server and scheduled steps")
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
    _add_calendar_commands(commands)
    return parser


def _add_calendar_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # DATE, --year and --reason are checked by the runner, not by argparse, so that a bad
    # value is one line on standard error rather than the usage text.
    calendar = commands.add_parser(
        "calendar", help="the working-day calendar: list, set or clear officials' overrides"
    )
    actions = calendar.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list", help="the overrides; with --year also that year's holidays off work"
    )
    listing.add_argument("--year", metavar="YYYY", help="only this year, and its holidays")
    for action, what in (("day-off", "a day off"), ("working-day", "a working day")):
        setting = actions.add_parser(
            action,
            help=f"make DATE {what} whatever the default calendar says; "
            "open requests' due dates follow",
        )
        setting.add_argument("date", metavar="DATE", help="YYYY-MM-DD")
        setting.add_argument(
            "--reason",
            metavar="TEXT",
            help=f"why the day changes (required, at least {REASON_RULE.min_chars} characters)",
        )
    clearing = actions.add_parser(
        "clear", help="remove the override of DATE: the default calendar applies again"
    )
    clearing.add_argument("date", metavar="DATE", help="YYYY-MM-DD")


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
            "authorities": _authorities,
            "calendar": _calendar,
        }[args.command]
        return asyncio.run(runner(settings, args))
    except (SettingsError, ChannelStartError) as error:
        print(f"vzayemodiia: {error}", file=sys.stderr)
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


async def _open_database(
    settings: Settings, *, pool_size: int = 10, max_overflow: int | None = None
) -> Database:
    """The configured database, once it answers and its schema is current; otherwise one
    line naming what to do (no traceback)."""
    database = Database(settings.database_url, pool_size=pool_size, max_overflow=max_overflow)
    try:
        current = await schema_is_current(database.engine)
    except OSError as error:
        await database.dispose()
        raise SettingsError(f"VZ_DATABASE_URL: the database does not answer ({error})") from None
    if not current:
        await database.dispose()
        raise SettingsError(
            "the database schema is not up to date: run `vzayemodiia migrate` first"
        )
    return database


async def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    ensure_sqlite_directory(settings.database_url)
    await upgrade_async(settings.database_url)
    print("Database schema is up to date.")
    return 0


async def _seed(settings: Settings, _args: argparse.Namespace) -> int:
    database = await _open_database(settings)
    try:
        async with database.transaction() as session:
            report = await seed_demo(session, SystemClock().now())
    finally:
        await database.dispose()
    print(
        f"Demo content: {report.authorities_added} authorities and "
        f"{report.petitions_added} petitions added."
    )
    return 0


async def _tick(settings: Settings, _args: argparse.Namespace) -> int:
    database = await _open_database(settings)
    try:
        report = await run_scheduled_once(database, SystemClock())
    finally:
        await database.dispose()
    print(f"Petitions closed: {report.closed}; awaiting an answer: {report.awaiting_answer}.")
    return 0


async def _authorities(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "import":
        return await _import_authorities(settings, args.file)
    return await _export_authorities(settings, args.file)


async def _import_authorities(settings: Settings, file: str) -> int:
    data = _read_file(file)
    database = await _open_database(settings)
    try:
        report = await import_authorities(database, data, SystemClock().now())
    finally:
        await database.dispose()
    if not report.ok:
        for error in report.errors:
            print(f"{file}: {error}", file=sys.stderr)
        count = len(report.errors)
        print(f"Nothing was imported: {count} error{'' if count == 1 else 's'}.", file=sys.stderr)
        return 1
    print(f"Imported authorities: {report.summary()}.")
    return 0


async def _export_authorities(settings: Settings, file: str) -> int:
    database = await _open_database(settings)
    try:
        export = await export_authorities(database)
    finally:
        await database.dispose()
    _write_file(file, export.text.encode())
    if file == "-":
        return 0
    print(f"Exported {export.count} authorities to {file}.")
    return 0


class CommandRefused(Exception):
    """The input was understood but the rules refuse it (exit 1); one line says why."""


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
# English names whatever the process's locale.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_KINDS = {
    "day-off": CalendarDayKind.DAY_OFF,
    "working-day": CalendarDayKind.WORKING_DAY,
}
_KIND_NAMES = {
    CalendarDayKind.DAY_OFF: "a day off",
    CalendarDayKind.WORKING_DAY: "a working day",
}
_LIST_LABEL_WIDTH = len("working day (override)")


def _reason_length() -> int:
    column_type = CalendarOverride.__table__.c["reason"].type
    assert isinstance(column_type, String)
    assert column_type.length is not None
    return column_type.length


# The stricter of the civic rule and the column (REASON_RULE also serves longer texts).
_OVERRIDE_REASON_RULE = LengthRule(
    REASON_RULE.min_chars, min(REASON_RULE.max_chars, _reason_length()), REASON_RULE.min_letters
)


async def _calendar(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "list":
        year = None if args.year is None else _parse_year(args.year)
        return await _list_calendar(settings, year)
    day = _parse_date(args.date)
    if args.action == "clear":
        return await _clear_calendar_day(settings, day)
    reason = _check_reason(args.reason)
    return await _set_calendar_day(settings, day, _KINDS[args.action], reason)


def _parse_date(raw: str) -> date:
    try:
        if _ISO_DATE.fullmatch(raw.strip()):
            return date.fromisoformat(raw.strip())
    except ValueError:
        pass
    raise SettingsError(f"DATE: {raw!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-02")


def _parse_year(raw: str) -> int:
    if not _YEAR.fullmatch(raw.strip()) or int(raw) < 1:
        raise SettingsError(f"--year: {raw!r} is not a year; write it as YYYY, e.g. 2026")
    return int(raw)


def _check_reason(raw: str | None) -> str:
    """The cleaned reason, by the civic rule; checked before the database is touched."""
    if raw is None:
        raise SettingsError("--reason is required: say why the day changes, e.g. a day of mourning")
    try:
        return check_length(raw, _OVERRIDE_REASON_RULE)
    except TextProblem as problem:
        raise CommandRefused(f"--reason: {_text_problem(problem)}") from None


def _text_problem(problem: TextProblem) -> str:
    rule = problem.rule
    return {
        "empty": "must not be empty",
        "too_short": f"too short: {problem.length} characters, at least {rule.min_chars}",
        "too_long": f"too long: {problem.length} characters, at most {rule.max_chars}",
        "no_letters": f"must contain at least {rule.min_letters} letters",
    }.get(problem.kind, problem.kind)


def _long_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _moved_lines(moved: Sequence[Moved], zone: ZoneInfo) -> list[str]:
    """How many due dates moved, then one line per request (by number): old -> new."""
    count = len(moved)
    lines = [f"Due dates moved: {count} open request{'' if count == 1 else 's'}."]
    for item in sorted(moved, key=lambda item: item.request.number):
        old = _long_date(item.old_due_at.astimezone(zone).date())
        new = _long_date(item.new_due_at.astimezone(zone).date())
        lines.append(f"{item.request.number}: {old} -> {new}")
    return lines


async def _set_calendar_day(
    settings: Settings, day: date, kind: CalendarDayKind, reason: str
) -> int:
    database = await _open_database(settings)
    try:
        async with database.transaction() as session:
            previous = await session.get(CalendarOverride, day)
            was = None if previous is None else (previous.kind, previous.reason)
            requests = InformationRequests(session, settings.zone)
            moved = await requests.set_calendar_day(day, kind, reason, SystemClock().now())
            lines = _moved_lines(moved, settings.zone)
    finally:
        await database.dispose()
    print(f"{day.isoformat()} ({_WEEKDAYS[day.weekday()]}) is now {_KIND_NAMES[kind]}: {reason}")
    if was is not None:
        print(f"It replaces the override that made it {_KIND_NAMES[was[0]]}: {was[1]}")
    print("\n".join(lines))
    return 0


async def _clear_calendar_day(settings: Settings, day: date) -> int:
    database = await _open_database(settings)
    try:
        async with database.transaction() as session:
            requests = InformationRequests(session, settings.zone)
            try:
                moved = await requests.clear_calendar_day(day, SystemClock().now())
            except RequestError as error:
                if error.code != "no_override":
                    raise
                raise CommandRefused(
                    f"{day.isoformat()} has no override to clear (see `vzayemodiia calendar list`)"
                ) from None
            lines = _moved_lines(moved, settings.zone)
    finally:
        await database.dispose()
    print(f"Override of {day.isoformat()} removed: the default calendar applies again.")
    print("\n".join(lines))
    return 0


async def _list_calendar(settings: Settings, year: int | None) -> int:
    """Overrides (all, or one year's), and for a year the library's holidays off work."""
    statement = select(CalendarOverride).order_by(CalendarOverride.day)
    if year is not None:
        statement = statement.where(
            CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31)
        )
    database = await _open_database(settings)
    try:
        async with database.reading() as session:
            overrides = [
                (row.day, row.kind, row.reason) for row in (await session.scalars(statement))
            ]
    finally:
        await database.dispose()

    holidays: dict[date, str] = {}
    if year is not None:
        library = WorkingCalendar()  # no overrides: the holidays library alone
        first = date(year, 1, 1)
        for offset in range((date(year, 12, 31) - first).days + 1):
            day = first + timedelta(days=offset)
            off = library.day_off(day)
            if off is not None and day.weekday() < 5:
                holidays[day] = off.name or "day off"

    entries: list[tuple[date, str, str]] = []
    for day, kind, reason in overrides:
        label = "day off" if kind is CalendarDayKind.DAY_OFF else "working day"
        text = reason
        if day in holidays:
            text += f" (overrides the holiday: {holidays.pop(day)})"
        entries.append((day, f"{label} (override)", text))
    entries += [(day, "holiday", name) for day, name in holidays.items()]
    if not entries:
        where = "" if year is None else f" in {year}"
        extra = "" if year is None else " and no holidays off work"
        print(f"No overrides{extra}{where}.")
        return 0
    for day, label, text in sorted(entries):
        weekday = _WEEKDAYS[day.weekday()][:3]
        print(f"{day.isoformat()} {weekday}  {label:<{_LIST_LABEL_WIDTH}}  {text}")
    return 0


def _read_file(file: str) -> bytes:
    """The bytes of ``file`` (``-``: standard input); a failure is one line naming it."""
    try:
        return sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as error:
        raise SettingsError(f"{file}: cannot read the file ({error.strerror})") from None


def _write_file(file: str, data: bytes) -> None:
    """Write ``data`` to ``file`` (``-``: standard output); a failure is one line naming it."""
    if file == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(file).write_bytes(data)
    except OSError as error:
        raise SettingsError(f"{file}: cannot write the file ({error.strerror})") from None


async def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.console import ConsoleChannel

    database = await _open_database(settings)
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
    channels: Sequence[ChatChannel] = (),
) -> AsyncIterator[None]:
    """The HTTP server, the messenger channels and the scheduled steps, until the block ends."""
    from bot.web.server import create_app, start_http

    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    key = attachment_key(secret) if secret else None
    app = create_app(database, clock, settings.public_url, attachment_key=key)
    for channel in channels:
        channel.add_routes(app)
    runner = await start_http(app, settings.http_host, settings.http_port)
    started: list[ChatChannel] = []
    scheduler = asyncio.create_task(
        run_forever(database, clock, settings.schedule_interval_seconds)
    )
    notifier: asyncio.Task[None] | None = None
    mailer: asyncio.Task[None] | None = None
    try:
        for channel in channels:
            await channel.start()
            started.append(channel)
        pushers = [channel for channel in started if isinstance(channel, Pusher)]
        if pushers:
            notices = Notifier(database, clock, pushers, settings.zone)
            notifier = asyncio.create_task(notices.run_forever(NOTICE_INTERVAL_SECONDS))
        if settings.smtp_url is not None:
            sender = SmtpSender(settings.smtp_url.get_secret_value(), settings.mail_from)
            outbox = Mailer(database, clock, sender, settings.zone)
            mailer = asyncio.create_task(outbox.run_forever(MAIL_INTERVAL_SECONDS))
        yield
    finally:
        for task in (notifier, mailer, scheduler):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for channel in reversed(started):
            await channel.stop()
        await runner.cleanup()


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


async def _serve(settings: Settings, _args: argparse.Namespace) -> int:
    settings.require_secret_key()
    database = await _open_database(settings, pool_size=settings.database_pool_size, max_overflow=0)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    clock = SystemClock()
    core = build_core(settings, database, settings.require_secret_key(), clock)
    channels = enabled_channels(settings, core)
    try:
        async with _background_services(settings, database, clock, channels):
            _tune_garbage_collection()
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
    try:
        async with _background_services(settings, database, clock):
            base = f"http://{settings.http_host}:{settings.http_port}"
            print(f"Public API: {base}/api/v1/petitions  (OpenAPI: {base}/api/v1/openapi.json)")
            print("Chat below. Type a number to choose, /help for help, /quit to leave.\n")
            core = build_core(settings, database, secret_key, clock)
            await ConsoleChannel(core, user_id="demo").run()
    finally:
        await database.dispose()
    return 0
