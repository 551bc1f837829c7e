"""Signing through the Telegram webhook, end to end, beside a bare aiogram echo bot.

    .venv/bin/python bench/webhook_telegram.py [--users N] [--concurrency C] [--rounds R]
        [--database-url URL|sqlite] [--warmup W] [--timeout S] [--profile DIR]
        [--only WHICH] [--echo-mode background|inline|both]

Three kinds of process, all on 127.0.0.1:

- **this process**: the load generator and the Bot API double
  (``tests.fakes.telegram_api.FakeTelegramAPI``, a real aiohttp server) on one event loop.
  The double resolves a future per chat when the bot's reply (``sendMessage`` or
  ``editMessageText``) reaches it, so a latency runs from posting the update until the
  reply arrived, with no clock shared between processes. Like Telegram, it also makes the
  Bot API call a webhook may answer with (``{"method": ...}`` in the HTTP response).
  Garbage collection is off here while a phase is timed, so this process's pauses do not
  show up as the bot's.
- **the bot under test**, in a process of its own, started fresh for each phase:
  1. *echo*: ``bench/aiogram_echo_bot.py``, a bare aiogram ``Dispatcher`` + ``Router``
     with one handler that answers the text back, behind aiogram's
     ``SimpleRequestHandler`` + ``setup_application``. ``--echo-mode`` says how its
     webhook answers Telegram. ``background`` (the default) is aiogram's own default,
     ``handle_in_background=True``, the anchor as its users run it: the 200 goes back
     at once and the handler runs in a task. ``inline`` is ``handle_in_background=False``,
     the way our webhook answers: the 200 comes once the echo is sent. ``both`` runs the
     echo bot twice per round, background then inline;
  2. *ours*: the product exactly as deployed, ``python -m bot serve`` (the HTTP app with
     the public API, the Telegram channel in webhook mode, the scheduler), configured by
     ``VZ_*`` variables only: ``VZ_TELEGRAM_API_URL`` is its double, ``VZ_PUBLIC_URL``
     its own loopback address, ``VZ_DATABASE_URL`` the benchmark's database.
  Each bot gets a double of its own.
- **the database** (ours only): PostgreSQL, wherever ``--database-url`` points (here, on
  the same machine), or, when ``--database-url`` starts with ``sqlite``, the embedded
  default, SQLite, inside the bot's own process.

Nothing is pinned to a core: on a 2-core machine the bot, this process and PostgreSQL
share both cores as the kernel schedules them. Each phase prints the CPU each of them used
(``/proc/<pid>/schedstat``), and the rest of the machine's busy time (kernel networking,
neighbours): a large rest means the figures are disturbed. On SQLite the database's work
is part of the bot's CPU; PostgreSQL's processes are not measured (one that runs here
anyway serves others, so it counts in the rest) and prints "n/a".

Before the rounds (bench/bench_database.py): a fresh database, migrated
(``storage.migrate.upgrade_async``), with one authority whose threshold no run reaches, a
warm-up petition and the measured one, and R x (W + N) citizens with verified phones and
Telegram accounts (external id = the Telegram user id), prepared by bulk SQL, not timed.
On PostgreSQL the database is created on the server ``--database-url`` names and dropped
at the end, as in bench/sign_petition.py; the citizens come from one asyncpg statement,
then ``VACUUM ANALYZE`` and a ``CHECKPOINT``. On SQLite it is a fresh file
``bench.sqlite3`` in this run's temporary work directory (a path in the URL is not used),
removed at the end; the citizens come from SQLAlchemy Core ``insert(...)`` executemanys
through the product's engine set-up, then a WAL checkpoint.

Each round runs the echo bot (once per ``--echo-mode`` variant), then ours, on the same
load shape. Per phase:

1. the bot is started and must answer ``GET /healthz`` (ours must also have registered its
   webhook with its double) within 60 s;
2. warm-up, not timed: W other users (ours: signing the warm-up petition), so connections
   are open, statements prepared and caches warm;
3. timed: each of N users sends one update as ``POST /webhooks/telegram`` with the secret
   header and a unique ``update_id``, at most C in flight - echo: a text message; ours: a
   press of "✍ Підписати" under the petition's card (a ``callback_query`` with data
   ``ps:<petition>``), the path a citizen takes. A user's slot is free again only once
   BOTH the webhook has answered and the reply has reached the double, whichever comes
   last: with the echo bot in background mode the 200 comes first and the echo after it,
   so the latency still runs until the echo arrived and no more than C updates are ever
   being handled;
4. the bot is stopped (SIGTERM, then SIGKILL after 10 s).

Printed per phase: updates/s, latency p50/p90/p99/max, CPU per process, the Bot API calls
the double saw, and (ours) the database sessions opened while timing (PostgreSQL; "n/a" on
SQLite). At the end: ours / echo for each round and each echo variant run, their medians
(the aim, >= 0.50, is against the stock default, background), and ours' p99 (on SQLite
checked against the aim there, < 300 ms at 32 in flight). Checked: every echo came back,
every one of our replies says the signature is counted, and the petition's count and
signature rows both equal R x N (exit status 1 otherwise; an aim not met is printed, not
a failure). Every process started here is stopped on the way out, failures, Ctrl-C and
SIGTERM included. Not part of the test run (no ``test_`` names here).
Results: docs/performance.md (measured with the echo bot inline, before ``--echo-mode``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import platform
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiogram
import aiohttp

# Measure this checkout's code (a scratch copy's, when run from one). The bench folder
# stays on the path too, for the helpers shared with bench/sign_petition.py.
BENCH = Path(__file__).resolve().parent
ROOT = str(BENCH.parent)
sys.path[:] = [ROOT, *(entry for entry in sys.path if entry != ROOT)]

from bench_database import BenchDatabase, bench_database, is_sqlite_request  # noqa: E402
from sign_petition import (  # noqa: E402
    BENCH_SECRET,
    DEFAULT_SERVER_URL,
    create_open_petitions,
    machine_cpu_ticks,
    percentile,
    verify,
)

from bot.channels.telegram.webhook import PATH, SECRET_HEADER  # noqa: E402
from handlers.texts import Texts  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import PetitionStatus  # noqa: E402
from tests.channels.telegram.updates import TelegramUser, UpdateBuilder  # noqa: E402
from tests.fakes.telegram_api import (  # noqa: E402
    DEFAULT_TOKEN,
    EPOCH,
    FakeTelegramAPI,
)

HOST = "127.0.0.1"
DEFAULT_USERS = 5_000
DEFAULT_CONCURRENCY = 32
DEFAULT_WARMUP = 500
DEFAULT_TIMEOUT = 600.0
WEBHOOK_SECRET = "bench-webhook-secret"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
REPLY_TIMEOUT = 30.0
ECHO_TEXT = "Добрий день! Коли розглянуть петицію про перехід біля школи № 17?"
SIGN_LABEL = "✍ Підписати"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class BenchError(Exception):
    """The benchmark cannot go on (a bot did not start); the message says why."""


# --- the double: replies reach it, futures tell the load generator -----------------------


@dataclass
class ReplyWatchingAPI(FakeTelegramAPI):
    """The Bot API double; ``expect(chat)`` is a future that resolves when a reply arrives.

    The future's value is the ``time.perf_counter()`` at arrival and the text shown.
    """

    waiters: dict[int, asyncio.Future[tuple[float, str]]] = field(default_factory=dict)

    def expect(self, chat_id: int) -> asyncio.Future[tuple[float, str]]:
        waiter: asyncio.Future[tuple[float, str]] = asyncio.get_running_loop().create_future()
        self.waiters[chat_id] = waiter
        return waiter

    def forget(self, chat_id: int) -> None:
        self.waiters.pop(chat_id, None)

    def _arrived(self, message: dict[str, Any]) -> None:
        waiter = self.waiters.pop(int(message["chat"]["id"]), None)
        if waiter is not None and not waiter.done():
            waiter.set_result((time.perf_counter(), str(message.get("text", ""))))

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        message = await super()._api_sendMessage(params)
        self._arrived(message)
        return message

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = await super()._api_editMessageText(params)
        self._arrived(message)
        return message


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def clean_environment(**values: str) -> dict[str, str]:
    """This environment without any VZ_* setting of the caller's, plus ``values``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("VZ_")}
    env["PYTHONPATH"] = os.pathsep.join([ROOT, *filter(None, [env.get("PYTHONPATH")])])
    env.update(values)
    return env


@dataclass
class BotProcess:
    """A bot under test in its own process, its output in a log file."""

    name: str
    port: int
    process: asyncio.subprocess.Process
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def cpu_seconds(self) -> float | None:
        return process_cpu_seconds(self.process.pid)

    async def stop(self) -> None:
        if self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


@contextlib.asynccontextmanager
async def bot_process(
    name: str,
    argv: Sequence[str],
    env: dict[str, str],
    workdir: Path,
    port: int,
    ready: Callable[[], bool] = lambda: True,
) -> AsyncIterator[BotProcess]:
    """Start ``argv``, wait until it answers ``GET /healthz`` and ``ready()``; stop it after."""
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=workdir,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    bot = BotProcess(name, port, process, log_path)
    try:
        await wait_until_ready(bot, ready)
        yield bot
    finally:
        await bot.stop()


async def wait_until_ready(bot: BotProcess, ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if bot.process.returncode is not None:
                raise BenchError(
                    f"{bot.name} exited with status {bot.process.returncode}:\n{bot.log_tail()}"
                )
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with session.get(f"{bot.url}/healthz") as response:
                    if response.status == 200 and ready():
                        return
            await asyncio.sleep(0.1)
    raise BenchError(f"{bot.name} did not get ready in {START_TIMEOUT:.0f} s:\n{bot.log_tail()}")


def process_cpu_seconds(pid: int) -> float | None:
    """CPU time of one process so far, None when it cannot be read.

    ``/proc/<pid>/schedstat`` counts nanoseconds on the CPU exactly; ``stat``'s clock
    ticks are a fallback (sampled, coarse for processes that run in short bursts).
    """
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def postgres_cpu() -> dict[int, float]:
    """CPU seconds so far of every process named ``postgres`` on this machine, by pid."""
    seconds: dict[int, float] = {}
    with contextlib.suppress(OSError):
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name != "postgres":
                continue
            spent = process_cpu_seconds(int(entry.name))
            if spent is not None:
                seconds[int(entry.name)] = spent
    return seconds


def postgres_cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(spent - before.get(pid, 0.0) for pid, spent in after.items())


# --- the load ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delivery:
    """One update to post, and the chat whose reply ends its latency."""

    chat_id: int
    body: bytes


@dataclass(slots=True)
class RunResult:
    wall_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def drive(
    url: str, api: ReplyWatchingAPI, deliveries: Sequence[Delivery], concurrency: int
) -> RunResult:
    """POST every update with at most ``concurrency`` in flight; time each until its reply."""
    pending: Iterator[Delivery] = iter(deliveries)
    result = RunResult()
    headers = {"Content-Type": "application/json", SECRET_HEADER: WEBHOOK_SECRET}
    connector = aiohttp.TCPConnector(limit=concurrency)

    async def worker(session: aiohttp.ClientSession) -> None:
        for delivery in pending:
            arrived = api.expect(delivery.chat_id)
            started = time.perf_counter()
            try:
                async with session.post(url, data=delivery.body, headers=headers) as response:
                    answer = await response.read()
                    status = response.status
                    if status == 200:
                        await api.webhook_answer(response.content_type, answer)
            except (aiohttp.ClientError, OSError) as error:
                api.forget(delivery.chat_id)
                result.errors.append(f"chat {delivery.chat_id}: {error!r}")
                continue
            if status != 200:
                api.forget(delivery.chat_id)
                result.errors.append(f"chat {delivery.chat_id}: webhook answered {status}")
                continue
            try:
                reply_at, text = await asyncio.wait_for(arrived, REPLY_TIMEOUT)
            except TimeoutError:
                api.forget(delivery.chat_id)
                result.errors.append(f"chat {delivery.chat_id}: no reply in {REPLY_TIMEOUT} s")
                continue
            result.latencies.append(reply_at - started)
            result.replies.append(text)

    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker(session))
        result.wall_seconds = time.perf_counter() - started
    return result


def petition_card(bot_user: dict[str, Any], user: TelegramUser, petition_id: int) -> dict[str, Any]:
    """The petition's card as the bot sent it to this user, with its "Sign" button."""
    return {
        "message_id": 1_000 + user.id % 1_000_000,
        "from": bot_user,
        "chat": user.private_chat(),
        "date": EPOCH,
        "text": f"Петиція № {petition_id}\nБезпечний перехід біля школи № 17",
        "reply_markup": {
            "inline_keyboard": [[{"text": SIGN_LABEL, "callback_data": f"ps:{petition_id}"}]]
        },
    }


def sign_presses(
    builder: UpdateBuilder, bot_user: dict[str, Any], user_ids: Sequence[str], petition_id: int
) -> list[Delivery]:
    deliveries = []
    for user_id in user_ids:
        user = TelegramUser(int(user_id), "Олена", "uk")
        card = petition_card(bot_user, user, petition_id)
        update = builder.callback(user, card, f"ps:{petition_id}")
        deliveries.append(Delivery(user.id, json.dumps(update).encode()))
    return deliveries


def echo_messages(builder: UpdateBuilder, user_ids: Sequence[str]) -> list[Delivery]:
    deliveries = []
    for user_id in user_ids:
        user = TelegramUser(int(user_id), "Олена", "uk")
        update = builder.message(user, ECHO_TEXT)
        deliveries.append(Delivery(user.id, json.dumps(update).encode()))
    return deliveries


# --- one phase -----------------------------------------------------------------------------


@dataclass(slots=True)
class Phase:
    """What one bot did in the timed part."""

    name: str
    result: RunResult
    server_cpu: float | None
    client_cpu: float
    # PostgreSQL's processes; None on SQLite (its work is the bot's own CPU, and a
    # PostgreSQL server that happens to run here serves others: a neighbour then).
    postgres_cpu: float | None
    machine_cpu: float | None
    double_calls: dict[str, int]
    # Database sessions (connections) the bot opened during the timed run, if it has one.
    sessions_opened: int | None = None
    # Printed instead of the count when there is a database but no sessions to count.
    sessions_absent: str | None = None

    @property
    def completed(self) -> int:
        return len(self.result.latencies)

    @property
    def rate(self) -> float:
        return self.completed / self.result.wall_seconds if self.result.wall_seconds else 0.0

    def neighbours(self, wall: float) -> str:
        """The whole machine's busy CPUs, and what of it none of the benchmark's processes used.

        The rest is the kernel's loopback networking and interrupts, and any neighbour on a
        shared machine: a large rest means the figures are disturbed.
        """
        if self.machine_cpu is None or self.server_cpu is None:
            return "whole machine n/a"
        postgres = self.postgres_cpu or 0.0
        rest = self.machine_cpu - self.server_cpu - self.client_cpu - postgres
        return (
            f"whole machine {self.machine_cpu / wall:.2f} of {os.cpu_count()}"
            f" (rest: kernel and neighbours {rest / wall:.2f})"
        )

    def report(self) -> None:
        ms = sorted(value * 1000 for value in self.result.latencies)
        wall = self.result.wall_seconds or math.nan
        done = max(self.completed, 1)
        server = (
            "n/a"
            if self.server_cpu is None
            else f"{self.server_cpu / wall:.2f} CPU ({self.server_cpu / done * 1e6:,.0f} us/update)"
        )
        print(f"  updates       {self.completed} completed, {len(self.result.errors)} errors")
        print(f"  wall time     {self.result.wall_seconds:.2f} s")
        print(f"  updates/s     {self.rate:,.0f}")
        print(
            f"  latency ms    p50 {percentile(ms, 0.50):.1f}  p90 {percentile(ms, 0.90):.1f}"
            f"  p99 {percentile(ms, 0.99):.1f}  max {ms[-1] if ms else math.nan:.1f}"
        )
        print(f"  CPU bot       {server}")
        postgres = (
            "n/a (SQLite: in the bot's process)"
            if self.postgres_cpu is None
            else f"{self.postgres_cpu / wall:.2f}"
        )
        print(
            f"  CPU others    load generator + double {self.client_cpu / wall:.2f}"
            f" ({self.client_cpu / done * 1e6:,.0f} us/update), postgres"
            f" {postgres}, {self.neighbours(wall)}"
        )
        calls = ", ".join(f"{name} {count}" for name, count in sorted(self.double_calls.items()))
        print(f"  Bot API calls {calls}")
        if self.sessions_opened is not None:
            print(f"  DB sessions   {self.sessions_opened} opened during the timed run")
        elif self.sessions_absent is not None:
            print(f"  DB sessions   {self.sessions_absent}")
        for line in self.result.errors[:5]:
            print(f"  error         {line}")


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """No garbage collection in this process (load generator and double) while timing.

    The run's prepared updates and the double's records are many long-lived objects; a
    full collection among them pauses this loop for tens of milliseconds, which would show
    up as the bot's latency and throughput. Collected before and after instead.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
        gc.collect()


async def timed_phase(
    name: str,
    bot: BotProcess,
    api: ReplyWatchingAPI,
    warmup: Sequence[Delivery],
    measured: Sequence[Delivery],
    concurrency: int,
    seconds: float,
    profile: Path | None,
    measure_postgres: bool,
    sessions: Callable[[], Awaitable[int]] | None = None,
) -> Phase:
    url = f"{bot.url}{PATH}"
    async with asyncio.timeout(seconds):
        if warmup:
            warm = await drive(url, api, warmup, concurrency)
            print(
                f"  warm-up       {len(warmup)} updates (not timed, {len(warm.errors)} errors)",
                flush=True,
            )
        calls_before = len(api.calls)
        print(f"running: {len(measured)} updates, concurrency {concurrency} ...", flush=True)
        server_before, client_before = bot.cpu_seconds(), time.process_time()
        sessions_before = None if sessions is None else await sessions()
        postgres_before = postgres_cpu() if measure_postgres else None
        machine_before = machine_cpu_ticks()
        if profile is not None:
            bot.process.send_signal(signal.SIGUSR1)
        with quiet_collector():
            result = await drive(url, api, measured, concurrency)
        server_after, client_after = bot.cpu_seconds(), time.process_time()
        postgres_after = postgres_cpu() if measure_postgres else None
        machine_after = machine_cpu_ticks()
        # Each look opens one session itself.
        sessions_after = None if sessions is None else await sessions() - 1
        if profile is not None:
            await dump_profile(bot, profile / f"{name}.pstats")
    calls: dict[str, int] = {}
    for call in api.calls[calls_before:]:
        key = call.method if call.status == 200 else f"{call.method}[{call.status}]"
        calls[key] = calls.get(key, 0) + 1
    server_cpu = (
        None if server_before is None or server_after is None else server_after - server_before
    )
    return Phase(
        name=name,
        result=result,
        server_cpu=server_cpu,
        client_cpu=client_after - client_before,
        postgres_cpu=(
            None
            if postgres_before is None or postgres_after is None
            else postgres_cpu_used(postgres_before, postgres_after)
        ),
        machine_cpu=(
            None
            if machine_before is None or machine_after is None
            else (machine_after[0] - machine_before[0]) / CLOCK_TICKS
        ),
        double_calls=calls,
        sessions_opened=(
            None
            if sessions_before is None or sessions_after is None
            else sessions_after - sessions_before
        ),
    )


def file_size(path: Path) -> int:
    """The size of ``path``, -1 when there is no such file."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return -1


async def dump_profile(bot: BotProcess, path: Path) -> None:
    """Ask bench/profiled.py in ``bot`` to write its profile; wait until it has."""
    path.unlink(missing_ok=True)  # noqa: ASYNC240 - a local file, once per run
    bot.process.send_signal(signal.SIGUSR2)
    deadline = time.monotonic() + STOP_TIMEOUT
    size = -1
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        if size >= 0 and file_size(path) == size:
            print(f"  profile       {path}")
            return
        size = file_size(path)
    print(f"  profile       {path} was not written in {STOP_TIMEOUT:.0f} s")


def profiled(argv: list[str], profile_dir: Path | None, name: str) -> list[str]:
    """``argv`` under bench/profiled.py: its timed phase goes to ``<profile_dir>/<name>.pstats``."""
    if profile_dir is None:
        return argv
    target = profile_dir / f"{name}.pstats"
    return [argv[0], str(BENCH / "profiled.py"), str(target), *argv[1:]]


# How the echo bot's SimpleRequestHandler answers Telegram (``--echo-mode``).
BACKGROUND = "background"  # aiogram's default: 200 at once, the handler in a task
INLINE = "inline"  # handle_in_background=False: 200 once the handler is done
ECHO_MODES = {
    BACKGROUND: "handle_in_background=True, aiogram's stock default: 200 at once,"
    " the handler runs in a background task",
    INLINE: "handle_in_background=False, not aiogram's default: 200 once the handler is"
    " done, as our webhook answers",
}


def echo_modes(choice: str) -> list[str]:
    """The echo bot's variants each round runs, in order: ``both`` is background, inline."""
    return [BACKGROUND, INLINE] if choice == "both" else [choice]


def echo_process(port: int, api_url: str, mode: str) -> list[str]:
    argv = [sys.executable, str(BENCH / "aiogram_echo_bot.py"), "--port", str(port)]
    argv += ["--api-url", api_url, "--token", DEFAULT_TOKEN, "--secret", WEBHOOK_SECRET]
    return [*argv, "--in-background"] if mode == BACKGROUND else argv


async def run_echo(
    args: argparse.Namespace,
    workdir: Path,
    builder: UpdateBuilder,
    warm_ids: Sequence[str],
    user_ids: Sequence[str],
    mode: str,
) -> Phase:
    # One variant keeps the plain name (and echo.pstats); with both, each is named by mode.
    name = "echo" if args.echo_mode != "both" else f"echo-{mode}"
    print()
    print(f"Bare aiogram echo bot (bench/aiogram_echo_bot.py), own process, {mode}")
    print(f"  webhook       {ECHO_MODES[mode]}")
    async with ReplyWatchingAPI() as api:
        port = free_port()
        argv = profiled(echo_process(port, api.url, mode), args.profile, name)
        warmup = echo_messages(builder, warm_ids)
        measured = echo_messages(builder, user_ids)
        async with bot_process(name, argv, clean_environment(), workdir, port) as bot:
            phase = await timed_phase(
                name,
                bot,
                api,
                warmup,
                measured,
                args.concurrency,
                args.timeout,
                args.profile,
                measure_postgres=args.measure_postgres,
            )
    phase.report()
    wrong = sum(1 for text in phase.result.replies if text != ECHO_TEXT)
    if wrong:
        phase.result.errors.append(f"{wrong} echoes differ from the text sent")
    if phase.completed != len(user_ids) and not phase.result.errors:
        phase.result.errors.append(f"{phase.completed} of {len(user_ids)} updates completed")
    return phase


@dataclass(frozen=True, slots=True)
class Prepared:
    """The benchmark's database, its two petitions, and each round's users (warm-up, timed)."""

    database: BenchDatabase
    warmup_petition: int
    petition_id: int
    rounds: list[tuple[list[str], list[str]]]


async def prepare(args: argparse.Namespace, workdir: Path) -> Prepared:
    """The fresh, migrated database with its petitions and citizens (not timed).

    On PostgreSQL ``VACUUM ANALYZE`` and a ``CHECKPOINT`` (where the role may) after the
    bulk insert, so that autovacuum and the checkpointer have nothing of ours left to do
    during a phase; on SQLite a WAL checkpoint (bench/bench_database.py).
    """
    bench = bench_database(args.database_url, workdir)
    now = datetime.now(UTC)
    per_round = args.warmup + args.users
    print(f"creating {bench.label} and migrating it ...", flush=True)
    await bench.create()
    try:
        await upgrade_async(bench.url)
        database = Database(bench.url, pool_size=1)
        try:
            warmup_petition, petition_id = await create_open_petitions(database, now)
        finally:
            await database.dispose()
        started = time.perf_counter()
        everyone = await bench.prepare_citizens(per_round * args.rounds, now)
        await bench.settle()
        print(
            f"  prepared      {len(everyone)} citizens with verified phones and Telegram"
            f" accounts in {time.perf_counter() - started:.2f} s (bulk SQL, not timed)"
        )
    except BaseException:
        await bench.drop()
        raise
    rounds = []
    for index in range(args.rounds):
        mine = everyone[index * per_round : (index + 1) * per_round]
        rounds.append((mine[: args.warmup], mine[args.warmup :]))
    return Prepared(bench, warmup_petition, petition_id, rounds)


def ours_environment(database_url: str, port: int, api_url: str) -> dict[str, str]:
    """``python -m bot serve``'s settings: nothing but VZ_* variables, as in production."""
    return clean_environment(
        VZ_DATABASE_URL=database_url,
        VZ_SECRET_KEY=BENCH_SECRET,
        VZ_HTTP_HOST=HOST,
        VZ_HTTP_PORT=str(port),
        VZ_PUBLIC_URL=f"http://{HOST}:{port}/",
        VZ_DEFAULT_LOCALE="uk",
        VZ_TIMEZONE="Europe/Kyiv",
        VZ_VERIFIED_ACTIONS="sign,vote",
        VZ_TELEGRAM_TOKEN=DEFAULT_TOKEN,
        VZ_TELEGRAM_API_URL=api_url,
        VZ_TELEGRAM_MODE="webhook",
        VZ_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )


async def run_ours(
    args: argparse.Namespace,
    workdir: Path,
    builder: UpdateBuilder,
    prepared: Prepared,
    warm_ids: Sequence[str],
    user_ids: Sequence[str],
) -> Phase:
    print()
    print("VzayemoDiia (python -m bot serve), own process, signing through the webhook")
    async with ReplyWatchingAPI() as api:
        port = free_port()
        env = ours_environment(prepared.database.url, port, api.url)
        argv = profiled([sys.executable, "-m", "bot", "serve"], args.profile, "ours")
        bot_user = api.bot_user()
        warmup = sign_presses(builder, bot_user, warm_ids, prepared.warmup_petition)
        measured = sign_presses(builder, bot_user, user_ids, prepared.petition_id)

        def webhook_registered() -> bool:
            return api.webhook is not None

        sessions = prepared.database.session_counter()
        async with bot_process("ours", argv, env, workdir, port, webhook_registered) as bot:
            phase = await timed_phase(
                "ours",
                bot,
                api,
                warmup,
                measured,
                args.concurrency,
                args.timeout,
                args.profile,
                args.measure_postgres,
                sessions,
            )
    if sessions is None:
        phase.sessions_absent = f"n/a ({prepared.database.title}: no server sessions to count)"
    phase.report()
    lead = signed_text(prepared.petition_id)
    counted = sum(1 for text in phase.result.replies if text.startswith(lead))
    if counted != len(user_ids):
        phase.result.errors.append(f"{counted} of {len(user_ids)} replies say 'counted'")
    return phase


def signed_text(petition_id: int) -> str:
    texts = Texts("uk", ZoneInfo("Europe/Kyiv"))
    return texts._("✅ Your signature under petition No. {id} is counted.").format(id=petition_id)


async def check_petition(prepared: Prepared, expected: int) -> bool:
    """The measured petition's count and its signature rows both equal the presses timed."""
    database = Database(prepared.database.url, pool_size=1)
    try:
        count, rows, status = await verify(database, prepared.petition_id)
    finally:
        await database.dispose()
    if count == rows == expected and status == PetitionStatus.OPEN.value:
        print(f"OK: count == rows == signing presses ({expected}), petition still {status}")
        return True
    print(
        f"FAILED: count {count}, rows {rows}, expected {expected}, status {status}",
        file=sys.stderr,
    )
    return False


# The aims: ours at least half the stock echo bot's rate; on SQLite, p99 under 300 ms at
# 32 updates in flight.
RATIO_AIM = 0.5
SQLITE_P99_AIM_MS = 300.0
SQLITE_P99_AIM_CONCURRENCY = 32


def p99_ms(phase: Phase) -> float:
    return percentile(sorted(value * 1000 for value in phase.result.latencies), 0.99)


def summary(
    echoes: dict[str, list[Phase]], ours: Sequence[Phase], args: argparse.Namespace
) -> None:
    """Ours / echo per round for each echo variant run, and their medians; ours' p99."""
    modes = [mode for mode in echoes if echoes[mode]]
    print()
    if modes and ours:
        for mode in modes:
            print(f"echo {mode}: {ECHO_MODES[mode]}")
        columns = [
            "round",
            *(f"echo {mode} updates/s" for mode in modes),
            "ours updates/s",
            *(f"ours / echo {mode}" for mode in modes),
            "ours p99 ms",
        ]
        print("  ".join(columns))
        ratios: dict[str, list[float]] = {mode: [] for mode in modes}
        for index, mine in enumerate(ours):
            cells = [f"{index + 1:>{len(columns[0])}}"]
            for mode in modes:
                cells.append(f"{echoes[mode][index].rate:>{len(f'echo {mode} updates/s')},.0f}")
            cells.append(f"{mine.rate:>{len('ours updates/s')},.0f}")
            for mode in modes:
                echo = echoes[mode][index]
                ratio = mine.rate / echo.rate if echo.rate else math.nan
                ratios[mode].append(ratio)
                cells.append(f"{ratio:>{len(f'ours / echo {mode}')}.2f}")
            cells.append(f"{p99_ms(mine):>{len('ours p99 ms')}.1f}")
            print("  ".join(cells))
        label = "ratio" if len(ours) == 1 else "median ratio"
        for mode in modes:
            median = statistics.median(ratios[mode])
            if mode == BACKGROUND:
                verdict = "met" if median >= RATIO_AIM else "NOT met"
                note = f"aiogram's stock default; aim >= {RATIO_AIM:.2f}: {verdict}"
            else:
                note = "not aiogram's default, for reference; the aim is against the default"
            print(f"{label}: ours / echo {mode} = {median:.2f} ({note})")
    if ours:
        tails = [p99_ms(phase) for phase in ours]
        line = f"ours p99 latency: {statistics.median(tails):.1f} ms"
        if len(tails) > 1:
            line += f" (median of rounds; worst {max(tails):.1f} ms)"
        if not args.measure_postgres:  # SQLite
            if args.concurrency == SQLITE_P99_AIM_CONCURRENCY:
                verdict = "met" if max(tails) < SQLITE_P99_AIM_MS else "NOT met"
                line += (
                    f"; aim on SQLite at {SQLITE_P99_AIM_CONCURRENCY} in flight"
                    f" < {SQLITE_P99_AIM_MS:.0f} ms in every round: {verdict}"
                )
            else:
                line += (
                    f"; the SQLite aim (< {SQLITE_P99_AIM_MS:.0f} ms) is at"
                    f" {SQLITE_P99_AIM_CONCURRENCY} in flight, not {args.concurrency}"
                )
        print(line)


# --- main ------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> int:
    main_task = asyncio.current_task()
    assert main_task is not None
    # SIGTERM stops the benchmark the way Ctrl-C does: bots stopped, database dropped.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    print("Signing through the Telegram webhook, beside a bare aiogram echo bot")
    print(
        f"  python        {platform.python_implementation()} {platform.python_version()}"
        f", event loop {type(asyncio.get_running_loop()).__module__.split('.')[0]}"
        f", aiogram {aiogram.__version__}, aiohttp {aiohttp.__version__}"
    )
    print(f"  machine       {os.cpu_count()} CPUs, {platform.machine()}, {platform.system()}")
    modes = echo_modes(args.echo_mode)
    print(
        f"  load          {args.users} users per phase, concurrency {args.concurrency},"
        f" warm-up {args.warmup}, {args.rounds} round(s) of echo ({', '.join(modes)})"
        f" then ours, all on {HOST}"
    )
    for mode in modes:
        print(f"  echo {mode:<8} {ECHO_MODES[mode]}")
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
        print(f"  profiles      cProfile of each bot's timed phase into {args.profile}/")
    echoes: dict[str, list[Phase]] = {mode: [] for mode in modes}
    ours: list[Phase] = []
    # One source of update ids for the whole run: a repeated update_id is (rightly) dropped
    # by our bot as a re-delivery.
    builder = UpdateBuilder()
    with tempfile.TemporaryDirectory(prefix="vz-bench-webhook-") as scratch:
        workdir = Path(scratch)
        prepared = await prepare(args, workdir)
        try:
            heading, version = await prepared.database.version()
            print(f"  {heading:<13} {version}")
            print(
                f"  petition      No. {prepared.petition_id}"
                f" (warm-up: No. {prepared.warmup_petition})"
            )
            for index, (warm_ids, user_ids) in enumerate(prepared.rounds, start=1):
                if args.rounds > 1:
                    print(f"\n=== round {index} of {args.rounds}")
                if args.only in ("both", "echo"):
                    for mode in modes:
                        echo = await run_echo(args, workdir, builder, warm_ids, user_ids, mode)
                        echoes[mode].append(echo)
                if args.only in ("both", "ours"):
                    phase = await run_ours(args, workdir, builder, prepared, warm_ids, user_ids)
                    ours.append(phase)
            print()
            signed = args.users * len(ours)
            ok = await check_petition(prepared, signed) if ours else True
        finally:
            await prepared.database.drop()
    summary(echoes, ours, args)
    phases = [*(phase for runs in echoes.values() for phase in runs), *ours]
    failures = [f"{phase.name}: {error}" for phase in phases for error in phase.result.errors]
    for line in failures[:10]:
        print(f"error: {line}", file=sys.stderr)
    if failures or not ok:
        print("FAILED", file=sys.stderr)
        return 1
    return 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--users", type=int, default=DEFAULT_USERS, help="N users per phase, one update each"
    )
    parser.add_argument(
        "--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="updates in flight"
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER_URL,
        help="a PostgreSQL server URL (its database is only used to create and drop the "
        "benchmark's own), or anything starting with 'sqlite' (e.g. 'sqlite' or "
        "'sqlite+aiosqlite:///...'): a fresh SQLite file in the temporary work directory, "
        "any path in the URL unused; default $VZ_BENCH_PG_DSN, $VZ_TEST_PG_DSN or %(default)s",
    )
    parser.add_argument(
        "--warmup", type=int, default=DEFAULT_WARMUP, help="untimed updates first, other users"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat echo-then-ours this many times (fresh processes and users each time); "
        "on a shared machine the median ratio is steadier than one",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="give up a phase (warm-up and timed run) after this many seconds",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="cProfile each bot's timed phase (bench/profiled.py) into DIR/ours.pstats and "
        "DIR/echo.pstats (the last round's); cProfile slows the bots, read proportions only",
    )
    parser.add_argument(
        "--only",
        choices=("both", "ours", "echo"),
        default="both",
        help="run one bot only (no ratio then)",
    )
    parser.add_argument(
        "--echo-mode",
        choices=(BACKGROUND, INLINE, "both"),
        default=BACKGROUND,
        help="how the echo bot's SimpleRequestHandler answers: background (aiogram's "
        "default, handle_in_background=True: 200 at once, handler in a task), inline "
        "(handle_in_background=False: 200 once the echo is sent) or both, background then "
        "inline in each round; latency always runs until the echo reaches the double",
    )
    args = parser.parse_args(argv)
    if min(args.users, args.concurrency, args.rounds) < 1 or args.warmup < 0:
        parser.error("--users, --concurrency and --rounds must be positive, --warmup >= 0")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    # PostgreSQL's processes are measured only when the bot's database is PostgreSQL.
    args.measure_postgres = not is_sqlite_request(args.database_url)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return asyncio.run(run(args))
    except TimeoutError:
        print(f"FAILED: a phase took longer than --timeout {args.timeout:g} s", file=sys.stderr)
        return 1
    except BenchError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted: bots stopped, database dropped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
