"""Petition signing through the conversation core on PostgreSQL: many citizens, one petition.

    .venv/bin/python bench/sign_petition.py [--citizens N] [--concurrency C]
        [--database-url URL] [--pool-size P] [--warmup W] [--profile FILE]

What it does:

1. creates a fresh PostgreSQL database on the server named by ``--database-url`` (any
   database there the role may connect to: it is only used to CREATE and DROP the
   benchmark's own database) and migrates it with the project's Alembic migrations;
2. creates one local authority with a threshold no run reaches and two open petitions
   (a warm-up one and the measured one) through the civic rules (``Petitions.submit`` and
   ``publish``), as an official would;
3. prepares W + N citizens with bulk SQL, not through the core and not timed: each has a
   Telegram channel account and a verified phone (a unique 64-hex ``phone_hash``), so
   signing needs no verification step;
4. warms up, not timed: opens the pool's connections, and W other citizens sign the
   warm-up petition through the core, so that SQLAlchemy has compiled and each connection
   has prepared its statements, as in a server that has been up for a while;
5. timed: each of the N citizens presses "✍ Sign" once - ``IncomingEvent(Sender(
   "telegram", id, "uk"), ButtonPress("ps:<petition>"), event_id=...)`` through
   ``ConversationCore.handle`` - with C concurrent workers, each event timed with
   ``time.perf_counter`` around ``handle``;
6. prints signatures per second, latency percentiles and where the CPU went, checks that
   the petition's count, its signature rows and N agree (exit status 1 when they do not)
   and drops the database.

The pool is the product's own: ``Database(url, pool_size=P)``, whose ``max_overflow`` is P
again (up to 2P connections) with ``pool_pre_ping`` on. Not part of the test run (no
``test_`` names here; pytest collects ``tests/`` only). Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib
import importlib.util
import math
import os
import platform
import sys
import time
import uuid
from collections.abc import Coroutine, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs, no py.typed
import sqlalchemy

# Measure this checkout's code (a scratch copy's, when run from one), not whatever an
# installed or editable copy of the project would import.
ROOT = str(Path(__file__).resolve().parent.parent)
sys.path[:] = [ROOT, *(entry for entry in sys.path if entry != ROOT)]

from bot.app import build_core  # noqa: E402
from bot.settings import Settings  # noqa: E402
from civic.petitions import PetitionDraft, Petitions  # noqa: E402
from civic.text import search_key  # noqa: E402
from handlers.core import ConversationCore  # noqa: E402
from handlers.events import ButtonPress, IncomingEvent, Sender  # noqa: E402
from handlers.texts import Texts  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import Authority, AuthorityLevel, Citizen, PetitionStatus  # noqa: E402

DEFAULT_SERVER_URL = os.environ.get(
    "VZ_BENCH_PG_DSN",
    os.environ.get("VZ_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test"),
)
DEFAULT_CITIZENS = 20_000
DEFAULT_CONCURRENCY = 16
DEFAULT_POOL_SIZE = 20
CHANNEL = "telegram"
# Telegram user ids of the prepared citizens: FIRST_USER_ID + 1 ... FIRST_USER_ID + N.
FIRST_USER_ID = 700_000_000
# A threshold (and period) no run reaches: the petition stays open throughout.
THRESHOLD = 1_000_000_000
PERIOD_DAYS = 90
BENCH_SECRET = "bench-secret-key-not-for-production"
TITLE = "Безпечний перехід біля школи № 17"
WARMUP_TITLE = "Освітлення парку біля озера (розігрів)"
DEFAULT_WARMUP = 500
BODY = (
    "Просимо облаштувати безпечний пішохідний перехід біля школи, встановити світлофор "
    "і освітлення, бо діти щодня ризикують життям."
)


@dataclass(frozen=True, slots=True)
class Target:
    """Where the benchmark's own database lives: asyncpg's DSN and SQLAlchemy's URL."""

    name: str
    admin_dsn: str
    dsn: str
    url: str


def target_for(server_url: str) -> Target:
    plain = server_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    if not plain.startswith(("postgresql://", "postgres://")):
        raise SystemExit(f"--database-url must be a PostgreSQL URL, not {server_url!r}")
    name = f"vz_bench_{uuid.uuid4().hex[:12]}"
    base, _, _ = plain.partition("?")[0].rpartition("/")
    dsn = f"{base}/{name}"
    return Target(
        name=name,
        admin_dsn=plain,
        dsn=dsn,
        url=dsn.replace("postgresql://", "postgresql+asyncpg://", 1).replace(
            "postgres://", "postgresql+asyncpg://", 1
        ),
    )


# --- preparation (not timed) -----------------------------------------------------------


async def create_database(target: Target) -> None:
    admin = await asyncpg.connect(target.admin_dsn, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{target.name}"')
    finally:
        await admin.close()


async def drop_database(target: Target) -> None:
    admin = await asyncpg.connect(target.admin_dsn, timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{target.name}" WITH (FORCE)')
    finally:
        await admin.close()


async def create_open_petitions(database: Database, now: datetime) -> tuple[int, int]:
    """One authority (threshold never reached) and two open petitions: warm-up and measured.

    Both are submitted and published through the civic rules, as an official would.
    """
    async with database.transaction() as session:
        authority = Authority(
            name_uk="Бенчмаркова міська рада",
            name_en="Benchmark City Council",
            level=AuthorityLevel.LOCAL,
            region="Вінницька область",
            petition_threshold=THRESHOLD,
            petition_period_days=PERIOD_DAYS,
            search_text=search_key("Бенчмаркова міська рада"),
            created_at=now,
        )
        author = Citizen(created_at=now)
        session.add_all([authority, author])
        await session.flush()
        petitions = Petitions(session)
        ids = []
        for title in (WARMUP_TITLE, TITLE):
            draft = PetitionDraft(authority.id, title, BODY, "Олена Коваль")
            petition = await petitions.submit(draft, author.id, now)
            await petitions.publish(petition.id, now)
            ids.append(petition.id)
        return ids[0], ids[1]


PREPARE_CITIZENS = """
WITH citizens AS (
    INSERT INTO citizen (phone_hash, phone_hint, phone_verified_at, created_at)
    SELECT encode(sha256(convert_to('bench-phone-' || g, 'UTF8')), 'hex'),
           lpad((g % 100)::text, 2, '0'), $2, $2
    FROM generate_series(1, $1::int) AS g
    ORDER BY g
    RETURNING id
)
INSERT INTO channel_account
    (channel, external_id, citizen_id, locale, dialog_state, created_at, last_seen_at)
SELECT $3, ($4::bigint + row_number() OVER (ORDER BY id))::text, id, 'uk', '{}'::json, $2, $2
FROM citizens
"""


async def prepare_citizens(target: Target, count: int, now: datetime) -> list[str]:
    """N verified citizens, each with a Telegram account; their Telegram user ids."""
    connection = await asyncpg.connect(target.dsn, timeout=10)
    try:
        await connection.execute(PREPARE_CITIZENS, count, now, CHANNEL, FIRST_USER_ID)
        await connection.execute("ANALYZE")
        rows = await connection.fetch(
            "SELECT a.external_id FROM channel_account a JOIN citizen c ON c.id = a.citizen_id"
            " WHERE a.channel = $1 AND c.phone_hash IS NOT NULL ORDER BY a.id",
            CHANNEL,
        )
    finally:
        await connection.close()
    user_ids = [str(row["external_id"]) for row in rows]
    if len(user_ids) != count:
        raise SystemExit(f"prepared {len(user_ids)} citizens, expected {count}")
    return user_ids


async def server_version(target: Target) -> str:
    connection = await asyncpg.connect(target.dsn, timeout=10)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


async def warm_pool(database: Database, connections: int) -> None:
    """Open the pool's connections before timing, as a running server would have them."""
    async with asyncio.TaskGroup() as group:
        for _ in range(connections):
            group.create_task(database.ping())


# --- the timed run ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunResult:
    wall_seconds: float
    latencies: list[float]
    answered: int
    errors: list[str]


async def sign_all(
    core: ConversationCore,
    petition_id: int,
    user_ids: Sequence[str],
    concurrency: int,
    signed_lead: str,
) -> RunResult:
    """Every citizen presses "Sign" once; C workers take the next citizen as they free up."""
    return await press_all(
        core, f"ps:{petition_id}", user_ids, concurrency, signed_lead, event_prefix="bench"
    )


async def press_all(
    core: ConversationCore,
    payload: str,
    user_ids: Sequence[str],
    concurrency: int,
    lead: str,
    *,
    event_prefix: str,
) -> RunResult:
    """Every citizen presses the button ``payload`` once, C workers taking the next
    citizen as they free up; a reply starting with ``lead`` counts as done (signed, cast:
    bench/cast_ballots.py times its ballots with this too)."""
    pending: Iterator[str] = iter(user_ids)
    latencies: list[float] = []
    errors: list[str] = []
    done = 0

    async def worker() -> None:
        nonlocal done
        for user_id in pending:
            event = IncomingEvent(
                Sender(CHANNEL, user_id, "uk"),
                ButtonPress(payload),
                event_id=f"{event_prefix}-{user_id}",
            )
            started = time.perf_counter()
            try:
                replies = await core.handle(event)
            except Exception as error:  # counted and reported; the run goes on
                errors.append(f"{user_id}: {error!r}")
                continue
            latencies.append(time.perf_counter() - started)
            if len(replies) == 1 and replies[0].text.startswith(lead):
                done += 1
            elif len(errors) < 5:
                errors.append(f"{user_id}: unexpected reply {replies!r}")

    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    return RunResult(time.perf_counter() - started, latencies, done, errors)


def machine_cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of the whole machine from /proc/stat; None off Linux."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    values = [int(value) for value in fields[:8]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def machine_busy(before: tuple[int, int] | None, after: tuple[int, int] | None) -> str:
    if before is None or after is None or after[1] == before[1]:
        return "n/a"
    share = (after[0] - before[0]) / (after[1] - before[1])
    return f"{share * (os.cpu_count() or 1):.2f} of {os.cpu_count()} CPUs"


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


async def verify(database: Database, petition_id: int) -> tuple[int, int, str]:
    """The petition's count, its signature rows and its status."""
    async with database.transaction() as session:
        petitions = Petitions(session)
        view = await petitions.get(petition_id)
        assert view is not None
        rows = await petitions.count_signature_rows(petition_id)
        return view.signature_count, rows, view.petition.status.value


# --- main ------------------------------------------------------------------------------


def event_loop_name() -> str:
    return type(asyncio.get_running_loop()).__module__.split(".")[0]


async def run(args: argparse.Namespace) -> int:
    target = target_for(args.database_url)
    now = datetime.now(UTC)
    print(f"creating database {target.name} and migrating it ...", flush=True)
    await create_database(target)
    database: Database | None = None
    try:
        await upgrade_async(target.url)
        database = Database(target.url, pool_size=args.pool_size)
        warmup_petition, petition_id = await create_open_petitions(database, now)
        prep_started = time.perf_counter()
        everyone = await prepare_citizens(target, args.warmup + args.citizens, now)
        prep_seconds = time.perf_counter() - prep_started
        warmup_ids, user_ids = everyone[: args.warmup], everyone[args.warmup :]
        pg_version = await server_version(target)

        settings = Settings(
            database_url=target.url,
            secret_key=BENCH_SECRET,
            default_locale="uk",
            timezone="Europe/Kyiv",
            verified_actions=frozenset({"sign", "vote"}),
        )
        core = build_core(settings, database, BENCH_SECRET)
        texts = Texts("uk", settings.zone)
        signed = texts._("✅ Your signature under petition No. {id} is counted.")

        pool: Any = database.engine.pool
        print()
        print("Petition signing through the conversation core (PostgreSQL)")
        print(
            f"  python        {platform.python_implementation()} {platform.python_version()}"
            f", event loop {event_loop_name()}, SQLAlchemy {sqlalchemy.__version__}"
            f", asyncpg {asyncpg.__version__}"
        )
        print(f"  postgresql    {pg_version} at {target.dsn.rpartition('/')[0]}")
        print(f"  machine       {os.cpu_count()} CPUs, {platform.machine()}, {platform.system()}")
        print(
            f"  pool          pool_size={pool.size()} max_overflow={pool._max_overflow}"
            f" (up to {pool.size() + pool._max_overflow} connections),"
            f" pre_ping={'on' if pool._pre_ping else 'off'}"
        )
        print(f"  prepared      {len(everyone)} citizens in {prep_seconds:.2f} s (bulk SQL)")
        print(f"  petition      No. {petition_id}, threshold {THRESHOLD:,}")

        # Untimed: open the pool's connections and let SQLAlchemy compile and every
        # connection prepare its statements, as in a server that has been up a while.
        await warm_pool(database, args.pool_size)
        if warmup_ids:
            warm = await sign_all(
                core,
                warmup_petition,
                warmup_ids,
                args.concurrency,
                signed.format(id=warmup_petition),
            )
            print(
                f"  warm-up       {len(warmup_ids)} signatures under petition No."
                f" {warmup_petition} (not timed, {len(warm.errors)} errors)"
            )
        print(f"running: {args.citizens} citizens, concurrency {args.concurrency} ...", flush=True)

        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        cpu_before, machine_before = time.process_time(), machine_cpu_ticks()
        result = await sign_all(
            core, petition_id, user_ids, args.concurrency, signed.format(id=petition_id)
        )
        cpu_seconds, machine_after = time.process_time() - cpu_before, machine_cpu_ticks()
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)

        latencies = sorted(result.latencies)
        ms = [value * 1000 for value in latencies]
        print()
        print(f"  citizens      {args.citizens}")
        print(f"  concurrency   {args.concurrency}")
        print(f"  wall time     {result.wall_seconds:.2f} s")
        print(f"  signatures/s  {len(latencies) / result.wall_seconds:,.0f}")
        print(
            f"  latency ms    p50 {percentile(ms, 0.50):.1f}  p90 {percentile(ms, 0.90):.1f}"
            f"  p99 {percentile(ms, 0.99):.1f}  max {ms[-1] if ms else math.nan:.1f}"
        )
        print(
            f"  CPU busy      this process {cpu_seconds / result.wall_seconds:.2f} CPU"
            f" ({cpu_seconds / max(len(latencies), 1) * 1e6:.0f} us per event),"
            f" whole machine {machine_busy(machine_before, machine_after)}"
        )
        if profiler is not None:
            print(f"  profile       written to {args.profile} (cProfile: slows the run)")
        for line in result.errors[:5]:
            print(f"  error         {line}")

        count, rows, status = await verify(database, petition_id)
        ok = (
            count == rows == args.citizens
            and result.answered == args.citizens
            and not result.errors
            and status == PetitionStatus.OPEN.value
        )
        if ok:
            print(f"OK: count == rows == N ({args.citizens}), petition still {status}")
            return 0
        print(
            f"FAILED: count {count}, rows {rows}, N {args.citizens}, "
            f"signed replies {result.answered}, errors {len(result.errors)}, "
            f"status {status}",
            file=sys.stderr,
        )
        return 1
    finally:
        if database is not None:
            await database.dispose()
        await drop_database(target)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every benchmark timed like this one takes (bench/cast_ballots.py too)."""
    parser.add_argument("--citizens", type=int, default=DEFAULT_CITIZENS, help="N citizens")
    parser.add_argument(
        "--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="concurrent workers"
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER_URL,
        help="a PostgreSQL server URL (its database is only used to create and drop the "
        "benchmark's own); default $VZ_BENCH_PG_DSN, $VZ_TEST_PG_DSN or %(default)s",
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=DEFAULT_POOL_SIZE,
        help="Database(pool_size=...); max_overflow is the same again",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=DEFAULT_WARMUP,
        help="untimed events first (under a second petition, in a second election), by "
        "other citizens",
    )


def check_run_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.citizens < 1 or args.concurrency < 1 or args.pool_size < 1 or args.warmup < 0:
        parser.error("--citizens, --concurrency and --pool-size must be positive, --warmup >= 0")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_run_arguments(parser)
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile the timed phase into FILE (pstats)"
    )
    args = parser.parse_args(argv)
    check_run_arguments(parser, args)
    return args


def run_on_fastest_loop(benchmark: Coroutine[Any, Any, int]) -> int:
    """Run the benchmark on uvloop when it is already installed, else on asyncio's loop."""
    if importlib.util.find_spec("uvloop") is not None:
        uvloop: Any = importlib.import_module("uvloop")
        return int(uvloop.run(benchmark))
    return asyncio.run(benchmark)


def main(argv: Sequence[str] | None = None) -> int:
    return run_on_fastest_loop(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
