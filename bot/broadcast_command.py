"""``vzayemodiia broadcast --text TEXT [--text-en TEXT] [--channel C] [--language L]
[--region R] [--topic T] [--low-priority] [--yes]``: queue an announcement for the
delivery workers and follow it until every recipient has an outcome (a low-priority one:
until only the rows held for the evening's daily digests wait).

Without ``--yes`` the audience per messenger is shown and confirmation asked. Progress is
a bar redrawn in place on a terminal, and a line every few seconds otherwise; the last
line is the summary (``sent 2990, unreachable 10, failed 0, opted out 3``). The sending
itself is done by ``serve`` (role ``worker`` or ``all``); if nothing moves for a while the
command says that no worker seems to run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable

from bot.command_support import CommandRefused, open_database
from bot.settings import Settings
from civic.audit import Actor, record
from civic.broadcasts import (
    LANGUAGES,
    Audience,
    BroadcastDraft,
    BroadcastError,
    Broadcasts,
    Outcome,
    Progress,
)
from civic.clock import SystemClock
from civic.text import TextProblem
from storage.db import Database
from storage.outbox_models import BroadcastStatus

CHANNELS = ("telegram", "viber")
POLL_SECONDS = 1.0
LINE_EVERY_SECONDS = 5.0
# Nothing sent for this long while rows wait: say that no worker seems to be running.
STALL_WARNING_SECONDS = 60.0


def add_broadcast_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    broadcast = commands.add_parser(
        "broadcast", help="send an announcement to every reachable citizen, or a segment"
    )
    broadcast.add_argument("--text", required=True, help="the message (Ukrainian, and the default)")
    broadcast.add_argument("--text-en", help="the message for citizens who use English")
    broadcast.add_argument("--channel", choices=CHANNELS, help="only this messenger")
    broadcast.add_argument("--language", choices=LANGUAGES, help="only citizens using it")
    broadcast.add_argument("--region", help="only citizens following this region")
    broadcast.add_argument("--topic", help="only citizens following this topic")
    broadcast.add_argument(
        "--low-priority",
        action="store_true",
        help="citizens who chose the daily digest get it there, in the evening",
    )
    broadcast.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def summary(progress: Progress) -> str:
    return (
        f"sent {progress.count(Outcome.DELIVERED)}, "
        f"unreachable {progress.count(Outcome.UNREACHABLE)}, "
        f"failed {progress.count(Outcome.FAILED)}, "
        f"opted out {progress.count(Outcome.OPTED_OUT)}"
        + (
            f", cancelled {progress.count(Outcome.CANCELLED)}"
            if progress.count(Outcome.CANCELLED)
            else ""
        )
    )


def progress_line(progress: Progress, rate: float) -> str:
    done = progress.total - progress.queued
    total = progress.total if progress.expanded else None
    left = f", about {progress.queued / rate:.0f} s left" if rate > 0 and progress.queued else ""
    of = f"/{total}" if total is not None else " (audience still being counted)"
    held = f" ({progress.held} for the daily digest)" if progress.held else ""
    queued = f"{progress.queued} queued{held}"
    return f"{done}{of} done, {queued}, {rate:.1f}/s{left}; {summary(progress)}"


async def run_broadcast(settings: Settings, args: argparse.Namespace) -> int:
    audience = Audience(
        channels=(args.channel,) if args.channel else (),
        languages=(args.language,) if args.language else (),
        region=args.region,
        topic=args.topic,
    )
    texts = {"uk": args.text, **({"en": args.text_en} if args.text_en else {})}
    database = await open_database(settings)
    try:
        async with database.reading() as session:
            sizes = await Broadcasts(session).audience_sizes(audience)
        shown = ", ".join(f"{channel} {count}" for channel, count in sorted(sizes.items()))
        print(f"Audience: {shown or 'nobody'} ({sum(sizes.values())} in all).", flush=True)
        if not sizes:
            raise CommandRefused("nobody to send it to: no reachable citizen in this audience")
        if not args.yes and not _confirmed():
            print("Not sent.")
            return 1
        broadcast_id = await _queue(database, BroadcastDraft(texts, audience, args.low_priority))
        print(f"Broadcast {broadcast_id} queued; the workers send it.", flush=True)
        return await _follow(database, broadcast_id, sys.stdout.isatty(), time.monotonic)
    finally:
        await database.dispose()


def _confirmed() -> bool:
    if not sys.stdin.isatty():
        raise CommandRefused("not a terminal: add --yes to send without asking")
    return input("Send it? [y/N] ").strip().lower() in ("y", "yes")


async def _queue(database: Database, draft: BroadcastDraft) -> int:
    now = SystemClock().now()
    texts, audience = draft.texts, draft.audience
    try:
        async with database.transaction() as session:
            broadcast = await Broadcasts(session).create(
                draft,
                official_id=None,
                created_by="command line",
                send_at=now,
                now=now,
            )
            record(
                session,
                Actor(None, "command line"),
                action="broadcast_create",
                object_type="broadcast",
                object_id=broadcast.id,
                now=now,
                after={
                    "text_uk": texts["uk"],
                    "text_en": texts.get("en"),
                    "channels": list(audience.channels),
                    "languages": list(audience.languages),
                    "region": audience.region,
                    "topic": audience.topic,
                    "low_priority": draft.low_priority,
                },
            )
            return broadcast.id
    except TextProblem as problem:
        raise CommandRefused(f"--text: the text is {problem.kind.replace('_', ' ')}") from None
    except BroadcastError as error:
        raise CommandRefused(error.code.replace("_", " ")) from None


async def _follow(
    database: Database, broadcast_id: int, on_terminal: bool, monotonic: Callable[[], float]
) -> int:
    started = last_line = last_change = monotonic()
    last_done = 0
    warned = False
    while True:
        async with database.reading() as session:
            progress = await Broadcasts(session).progress(broadcast_id)
        now = monotonic()
        done = progress.total - progress.queued
        if done != last_done:
            last_done, last_change = done, now
        rate = done / (now - started) if now > started else 0.0
        finished = progress.status in (BroadcastStatus.DONE, BroadcastStatus.CANCELLED)
        if on_terminal:
            print("\r" + progress_line(progress, rate).ljust(100), end="", flush=True)
        elif finished or progress.only_digests_left or now - last_line >= LINE_EVERY_SECONDS:
            print(progress_line(progress, rate), flush=True)
            last_line = now
        if finished or progress.only_digests_left:
            if on_terminal:
                print()
            held = f"; {progress.held} go with tonight's digests" if progress.held else ""
            print(summary(progress) + held)
            return 0
        if not warned and now - last_change >= STALL_WARNING_SECONDS:
            print(
                "\nNothing has been sent for a minute: is a worker running "
                "(vzayemodiia serve --role worker, or serve)?",
                file=sys.stderr,
                flush=True,
            )
            warned = True
        await asyncio.sleep(POLL_SECONDS)
