"""The admin web on PostgreSQL with a million signatures: every page's latency, and the CSV
exports' time and the server's memory while they stream.

    .venv/bin/python bench/admin_pages.py [--repeat N] [--warmup W]
        [--database-url URL] [--audit-large ROWS] [--skip-pages] [--skip-exports] [--keep]

What it does:

1. creates a fresh PostgreSQL database ``vz_bench_<random>`` on the server
   ``--database-url`` names (its own database is used only to CREATE and DROP ours),
   migrates it with the project's migrations, and seeds it by bulk SQL, not timed
   (bench/admin_seed.py: 100,000 citizens, 2,000 petitions over 50 authorities in every
   status, 1,000,000 signatures over 60 days concentrated on some petitions, 10,000
   information requests in every status, some overdue, some with files, and 10,000 audit
   entries); then ``VACUUM ANALYZE`` and a ``CHECKPOINT``;
2. makes the two accounts it signs in with through ``civic.officials`` (as
   ``vzayemodiia create-admin`` and tests/admin/conftest.py do): an administrator with a
   second factor (TOTP, which the administrator role requires) and an official bound to
   the Kyiv City Council;
3. starts the product as deployed, ``python -m bot serve``, in a process of its own on
   127.0.0.1, configured by ``VZ_*`` variables only (no messenger channel; the scheduler's
   interval set to a day, so that its start-up run is the only one and it is over before
   anything is timed), and signs in as each of them the way a browser does: the login
   form's CSRF token, e-mail and password, then the TOTP form for the administrator;
4. **pages**: requests each page ``--warmup`` times untimed, then ``--repeat`` times,
   one at a time, each timed from sending the request to having read the whole body,
   with an aiohttp client in this process (garbage collection off here while timing).
   Every response must be 200 (a redirect to the login counts as a failure): one that
   is not is printed with the server's log there and then, the page is left, and the
   run ends with exit status 1. Pages another change may not have added yet
   (``/admin/authorities``, ``/admin/calendar``) are skipped with a note when they answer
   404. For each page: p50, p95, max, the body's size, and the CPU used per request by
   the server process and by our database's PostgreSQL backends
   (``/proc/<pid>/schedstat``), and the cores the rest of the machine kept busy
   meanwhile ("rest", from ``/proc/stat``: other people's work, the kernel's loopback
   traffic, and the parallel workers PostgreSQL starts for our larger queries);
5. **exports** (``/admin/exports/{petitions, signatures, requests,
   requests-by-authority, audit}.csv``, each skipped with a note while it answers 404):
   each in a freshly started server, warmed with two dashboard requests; then the
   server's peak resident memory is reset (``/proc/<pid>/clear_refs``), its resident
   memory read (the baseline), the export downloaded in 64 KB chunks while its resident
   memory is sampled every 5 ms, and the kernel's peak (``VmHWM``) read at the end.
   Printed: rows (CSV records, quoted newlines allowed, the header not counted), bytes,
   time to the first byte and in all, the baseline, the peak and the growth. Then two
   more downloads in the same server, timed;
6. **a million audit entries** (``--audit-large``, 0 to skip): adds two earlier years
   of audit history, then measures the audit pages and the audit export again, so that
   the export's memory is seen at 10,000 and at 1,000,000 rows;
7. drops the database (``--keep`` keeps it, to ``EXPLAIN ANALYZE`` on it afterwards, and
   prints its URL).

The aims (docs/performance.md, "Issue 9"): every list page under 100 ms at p95, and an
export's memory flat in its row count. A missed aim is printed, not a failure; a page or
export that answers anything but 200 (or 404 for the optional ones) is, exit status 1.
Not part of the test run (no ``test_`` names; pytest collects tests/ only).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import math
import os
import platform
import re
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import aiohttp
import asyncpg
import pyotp
import sqlalchemy

# Measure this checkout's code (a scratch copy's, when run from one).
ROOT = str(Path(__file__).resolve().parent.parent)
sys.path[:] = [ROOT, *(entry for entry in sys.path if entry != ROOT)]

from admin_seed import (  # noqa: E402
    OFFICIAL_AUTHORITY,
    SEARCH_WORD,
    Seeded,
    Seeder,
    Sizes,
    grow_audit,
    read_back,
    settle,
)
from sign_petition import Target, create_database, drop_database, target_for  # noqa: E402

from civic.deadlines import KYIV  # noqa: E402
from civic.officials import Officials  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.official_models import OfficialRole  # noqa: E402

DEFAULT_SERVER_URL = os.environ.get(
    "VZ_BENCH_PG_DSN",
    os.environ.get("VZ_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test"),
)
HOST = "127.0.0.1"
BENCH_SECRET = "bench-secret-key-not-for-production"
PASSWORD = "correct horse battery staple"
ADMIN_EMAIL = "bench-admin@example.gov.ua"
OFFICIAL_EMAIL = "bench-official@example.gov.ua"
AIM_MS = 100.0
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
CHUNK = 64 * 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
EXPORTS = ("petitions", "signatures", "requests", "requests-by-authority", "audit")


class BenchError(Exception):
    """Something the benchmark cannot go on from (a page that is not 200, a dead server)."""


# --- the server under test ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def server_environment(database_url: str, port: int) -> dict[str, str]:
    """``python -m bot serve``'s settings: VZ_* variables only, none of the caller's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("VZ_")}
    env["PYTHONPATH"] = os.pathsep.join([ROOT, *filter(None, [env.get("PYTHONPATH")])])
    env.update(
        VZ_DATABASE_URL=database_url,
        VZ_SECRET_KEY=BENCH_SECRET,
        VZ_HTTP_HOST=HOST,
        VZ_HTTP_PORT=str(port),
        VZ_DEFAULT_LOCALE="uk",
        VZ_TIMEZONE="Europe/Kyiv",
        VZ_SCHEDULE_INTERVAL_SECONDS=str(24 * 3600),
    )
    return env


def cpu_seconds(pid: int) -> float:
    """CPU time so far of a process, all its threads (``/proc/<pid>/task/*/schedstat``,
    nanoseconds on the CPU); 0 once it is gone. Threads that have ended are not counted."""
    total = 0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return 0.0
    for task in tasks:
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


async def backends_of(dsn: str) -> list[int]:
    """The PostgreSQL server processes serving our database (the server's pooled
    connections), not this query's own, nor other databases' (other people's tests)."""
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [int(row["pid"]) for row in rows]
    finally:
        await connection.close()


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores, ``/proc/stat``)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    values = [int(value) for value in fields[:8]]
    return (sum(values) - values[3] - values[4]) / CLOCK_TICKS


@dataclass
class CpuWatch:
    """CPU used over a block: the server, our PostgreSQL backends, this process, and the
    rest of the machine (other people's work on it, and the kernel's loopback traffic)."""

    server_pid: int
    backends: list[int]
    started: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)

    def read(self) -> tuple[float, float, float, float, float]:
        return (
            time.perf_counter(),
            cpu_seconds(self.server_pid),
            sum(cpu_seconds(pid) for pid in self.backends),
            time.process_time(),
            machine_busy_seconds(),
        )

    def start(self) -> None:
        self.started = self.read()

    def stop(self) -> tuple[float, float, float, float]:
        """Seconds of CPU since ``start``: server, PostgreSQL, the rest; and the wall time."""
        wall, server, postgres, client, machine = (
            now - then for now, then in zip(self.read(), self.started, strict=True)
        )
        return server, postgres, max(machine - server - postgres - client, 0.0), wall


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident) of a process, in kB, from ``/proc/<pid>/status``."""
    values = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values


def reset_peak_memory(pid: int) -> bool:
    """Set the kernel's peak-resident mark (VmHWM) back to the current size (Linux 4.0+)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@dataclass
class Server:
    process: asyncio.subprocess.Process
    port: int
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

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
async def running_server(database_url: str, workdir: Path, name: str) -> AsyncIterator[Server]:
    """``python -m bot serve`` until the block ends; ready (``/healthz``) and idle first."""
    port = free_port()
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            cwd=workdir,  # no .env of the checkout's is read
            env=server_environment(database_url, port),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    server = Server(process, port, log_path)
    try:
        await wait_until_ready(server)
        yield server
    finally:
        await server.stop()


async def wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if server.process.returncode is not None:
                raise BenchError(
                    f"the server exited with status {server.process.returncode}:\n"
                    + server.log_tail()
                )
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with session.get(f"{server.url}/healthz") as response:
                    if response.status == 200:
                        await wait_until_idle(server.pid)
                        return
            await asyncio.sleep(0.1)
    raise BenchError(f"the server did not get ready in {START_TIMEOUT:.0f} s:\n{server.log_tail()}")


async def wait_until_idle(pid: int, limit: float = 30.0) -> None:
    """Until the process has used under 10 ms of CPU in each of two 250 ms windows (the
    scheduler's start-up run is over), at most ``limit`` seconds."""
    deadline = time.monotonic() + limit
    quiet = 0
    last = cpu_seconds(pid)
    while quiet < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        now = cpu_seconds(pid)
        quiet = quiet + 1 if now - last < 0.01 else 0
        last = now


# --- a signed-in browser -----------------------------------------------------------------


@dataclass
class Browser:
    """An aiohttp client with its own cookies, signed in as one official."""

    role: str
    email: str
    totp_secret: str | None
    session: aiohttp.ClientSession
    base: str = ""
    last_step: int = 0

    async def fetch(self, path: str) -> tuple[int, str]:
        async with self.session.get(self.base + path, allow_redirects=False) as response:
            return response.status, await response.text()

    async def sign_in(self) -> None:
        status, page = await self.fetch("/admin/login")
        token = CSRF.search(page)
        if status != 200 or token is None:
            raise BenchError(f"GET /admin/login: HTTP {status}, no CSRF token")
        form = {"email": self.email, "password": PASSWORD, "csrf_token": token.group(1)}
        async with self.session.post(
            self.base + "/admin/login", data=form, allow_redirects=False
        ) as response:
            if response.status != 303:
                raise BenchError(f"POST /admin/login as {self.role}: HTTP {response.status}")
        if self.totp_secret is not None:
            await self.second_factor()
        status, _ = await self.fetch("/admin/")
        if status != 200:
            raise BenchError(f"{self.role}: GET /admin/ after signing in: HTTP {status}")

    async def second_factor(self) -> None:
        assert self.totp_secret is not None
        totp = pyotp.TOTP(self.totp_secret)
        # A code is good once, and the server takes the current step and those either side
        # of it: the earliest of these not used yet, waiting for the next step if need be.
        while True:
            current = totp.timecode(datetime.now(UTC))
            unused = [step for step in (current, current + 1) if step > self.last_step]
            if unused:
                break
            await asyncio.sleep(1)
        step = self.last_step = unused[0]
        status, page = await self.fetch("/admin/login/second-factor")
        token = CSRF.search(page)
        if status != 200 or token is None:
            raise BenchError(f"GET /admin/login/second-factor: HTTP {status}, no CSRF token")
        form = {"code": totp.generate_otp(step), "csrf_token": token.group(1)}
        async with self.session.post(
            self.base + "/admin/login/second-factor", data=form, allow_redirects=False
        ) as response:
            if response.status != 303:
                raise BenchError(f"the second factor as {self.role}: HTTP {response.status}")

    async def on(self, server: Server) -> None:
        """Point at ``server``; sign in again only if the session no longer opens pages
        (sessions live in the database, so they outlast a server process)."""
        self.base = server.url
        status, _ = await self.fetch("/admin/")
        if status != 200:
            await self.sign_in()


@contextlib.asynccontextmanager
async def browser(role: str, email: str, totp_secret: str | None) -> AsyncIterator[Browser]:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies from 127.0.0.1, an IP address
    connector = aiohttp.TCPConnector(limit=1)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(
        cookie_jar=jar, connector=connector, timeout=timeout
    ) as session:
        yield Browser(role, email, totp_secret, session)


async def make_accounts(url: str, now: datetime) -> tuple[str, str, int]:
    """The administrator (second factor enrolled) and the official, through the civic
    rules; the TOTP secret, the Argon2 hash (the other seeded officials get it too), and
    the time step the enrolment used up."""
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as session:
            officials = Officials(session)
            admin, _ = await officials.put(
                ADMIN_EMAIL, OfficialRole.ADMINISTRATOR, (), PASSWORD, now
            )
            enrolment = officials.start_enrolment(admin)
            totp = pyotp.TOTP(enrolment.secret)
            await officials.confirm_enrolment(admin, totp.at(now), now)
            await officials.put(
                OFFICIAL_EMAIL, OfficialRole.OFFICIAL, (OFFICIAL_AUTHORITY,), PASSWORD, now
            )
            return enrolment.secret, admin.password_hash, totp.timecode(now)
    finally:
        await database.dispose()


# --- pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    is_list: bool = True
    optional: bool = False  # skipped with a note while it answers 404


@dataclass
class PageResult:
    role: str
    page: Page
    latencies_ms: list[float] = field(default_factory=list)
    body_bytes: int = 0
    server_cpu_ms: float = 0.0  # per request
    postgres_cpu_ms: float = 0.0  # per request
    # Cores the rest of the machine kept busy meanwhile: neighbours, the kernel's loopback
    # traffic, and PostgreSQL's parallel workers for our queries (short-lived, uncounted).
    others_cpu: float = 0.0
    skipped: str | None = None
    failed: str | None = None  # the first answer that was not 200

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return math.nan
        return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]

    @property
    def meets_aim(self) -> bool:
        return self.percentile(0.95) < AIM_MS


def pages_for(
    role: str, seeded: Seeded, audit_before: int, today: str, week_ago: str
) -> list[Page]:
    official = role == "official"
    petition = seeded.official_top_petition if official else seeded.top_petition
    count = seeded.official_top_count if official else seeded.top_petition_count
    pages = [
        Page("dashboard", "/admin/", is_list=False),
        Page("petitions", "/admin/petitions"),
        Page("petitions ?status=moderation", "/admin/petitions?status=moderation"),
        Page("petitions ?status=open&page=5", "/admin/petitions?status=open&page=5"),
        Page(f"petitions ?q={SEARCH_WORD}", f"/admin/petitions?q={quote(SEARCH_WORD)}"),
        Page(f"petition, most signed ({count:,})", f"/admin/petitions/{petition}", False),
        Page("requests (open)", "/admin/requests"),
        Page("requests ?status=all", "/admin/requests?status=all"),
        Page("requests ?status=answered&page=10", "/admin/requests?status=answered&page=10"),
        Page(
            "requests ?status=all&authority=Kyiv",
            f"/admin/requests?status=all&authority={OFFICIAL_AUTHORITY}",
        ),
        Page("requests ?status=all&q=00012", "/admin/requests?status=all&q=00012"),
        Page("request, open, no file", f"/admin/requests/{seeded.plain_request}", False),
        Page(
            f"request, answered, {seeded.file_bytes / 1e6:.1f} MB file",
            f"/admin/requests/{seeded.file_request}",
            False,
        ),
        *audit_pages(seeded, audit_before, today, week_ago),
    ]
    if not official:  # the administrator's only (MANAGE_ACCOUNTS)
        pages.append(Page("accounts", "/admin/accounts"))
    pages += [
        Page("authorities", "/admin/authorities", optional=True),
        Page("calendar", "/admin/calendar", optional=True),
    ]
    return pages


def audit_pages(seeded: Seeded, audit_before: int, today: str, week_ago: str) -> list[Page]:
    return [
        Page("audit", "/admin/audit"),
        Page("audit ?action=request_answer", "/admin/audit?action=request_answer"),
        Page("audit ?official=<moderator>", f"/admin/audit?official={seeded.moderator_email}"),
        Page(
            "audit ?object=<most-signed petition>",
            f"/admin/audit?object_type=petition&object_id={seeded.top_petition}",
        ),
        Page("audit ?from=<7 days ago>&to=<today>", f"/admin/audit?from={week_ago}&to={today}"),
        Page("audit ?before=<page 2>", f"/admin/audit?before={audit_before}"),
    ]


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """No garbage collection in this (the client's) process while a page is timed."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def measure_page(
    client: Browser, server: Server, page: Page, repeat: int, warmup: int, dsn: str
) -> PageResult:
    result = PageResult(client.role, page)
    status, body = await client.fetch(page.path)
    if status == 404 and page.optional:
        result.skipped = "404: not there yet"
        return result
    if status != 200:
        # Loudly, and on to the next page: the run's exit status is 1 at the end.
        result.failed = f"HTTP {status}"
        print(f"\nFAILED: {client.role} GET {page.path}: HTTP {status}\n{body[:300]}")
        print(f"server log:\n{server.log_tail(12)}\n", flush=True)
        return result
    for _ in range(warmup):
        await client.fetch(page.path)
    watch = CpuWatch(server.pid, await backends_of(dsn))
    with quiet_collector():
        watch.start()
        for _ in range(repeat):
            started = time.perf_counter()
            async with client.session.get(
                client.base + page.path, allow_redirects=False
            ) as response:
                body_bytes = await response.read()
                status = response.status
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            if status != 200:
                result.failed = f"HTTP {status} at request {len(result.latencies_ms)}"
                print(f"\nFAILED: {client.role} GET {page.path}: {result.failed}", flush=True)
                return result
        server_cpu, postgres_cpu, others, wall = watch.stop()
    result.server_cpu_ms = server_cpu * 1000 / repeat
    result.postgres_cpu_ms = postgres_cpu * 1000 / repeat
    result.others_cpu = others / wall if wall else 0.0
    result.body_bytes = len(body_bytes)
    return result


def print_pages(title: str, results: Sequence[PageResult]) -> None:
    print()
    print(title)
    head = (
        f"  {'page':<44} {'role':<9} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'KB':>6}"
        f" {'server CPU':>10} {'PG CPU':>7} {'rest':>6}  aim"
    )
    print(head)
    print("  " + "-" * (len(head) - 2))
    for result in results:
        if result.skipped is not None or result.failed is not None:
            why = f"skipped ({result.skipped})" if result.skipped else f"FAILED: {result.failed}"
            print(f"  {result.page.label:<44} {result.role:<9} {why}")
            continue
        kind = "list" if result.page.is_list else "page"
        verdict = "ok" if result.meets_aim else f"MISSES ({kind})"
        print(
            f"  {result.page.label:<44} {result.role:<9}"
            f" {result.percentile(0.5):>7.1f} {result.percentile(0.95):>7.1f}"
            f" {max(result.latencies_ms):>7.1f} {result.body_bytes / 1024:>6.0f}"
            f" {result.server_cpu_ms:>8.1f}ms {result.postgres_cpu_ms:>5.1f}ms"
            f" {result.others_cpu:>6.2f}  {verdict}"
        )


# --- exports -----------------------------------------------------------------------------


class CsvCounter:
    """Counts CSV records in a byte stream as it arrives: newlines outside quotes (a
    quoted field may hold newlines; a doubled quote toggles twice and changes nothing)."""

    def __init__(self) -> None:
        self.in_quotes = False
        self.newlines = 0
        self.last = b""

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        parts = chunk.split(b'"')
        for index, part in enumerate(parts):
            if index:
                self.in_quotes = not self.in_quotes
            if not self.in_quotes:
                self.newlines += part.count(b"\n")
        self.last = chunk[-1:]

    @property
    def records(self) -> int:
        return self.newlines + (1 if self.last not in (b"", b"\n") else 0)


@dataclass
class ExportResult:
    name: str
    label: str
    path: str
    skipped: str | None = None
    failed: str | None = None
    rows: int = 0
    body_bytes: int = 0
    first_byte_s: float = 0.0
    total_s: float = 0.0
    repeats_s: list[float] = field(default_factory=list)
    rss_before_kb: int = 0
    rss_peak_sampled_kb: int = 0
    hwm_kb: int = 0
    peak_reset: bool = False
    content_type: str = ""
    server_cpu_s: float = 0.0

    @property
    def growth_kb(self) -> int:
        peak = self.hwm_kb if self.peak_reset else self.rss_peak_sampled_kb
        return max(peak, self.rss_peak_sampled_kb) - self.rss_before_kb


async def download(client: Browser, path: str) -> ExportResult:
    result = ExportResult(path.rsplit("/", 1)[-1], "", path)
    counter = CsvCounter()
    started = time.perf_counter()
    async with client.session.get(client.base + path, allow_redirects=False) as response:
        result.first_byte_s = time.perf_counter() - started
        result.content_type = response.headers.get("Content-Type", "")
        if response.status != 200:
            body = await response.text()
            if response.status == 404:
                result.skipped = "HTTP 404"
            else:
                result.failed = f"HTTP {response.status}"
                print(f"\nFAILED: {client.role} GET {path}: HTTP {response.status}\n{body[:300]}")
            return result
        async for chunk in response.content.iter_chunked(CHUNK):
            result.body_bytes += len(chunk)
            counter.feed(chunk)
    result.total_s = time.perf_counter() - started
    result.rows = max(counter.records - 1, 0)  # the header
    return result


async def measure_export(
    client: Browser, database_url: str, workdir: Path, name: str, label: str, repeats: int
) -> ExportResult:
    """One export in a fresh server: memory while it streams, then ``repeats`` timings."""
    path = f"/admin/exports/{name}.csv"
    async with running_server(database_url, workdir, f"export-{name}") as server:
        await client.on(server)
        for _ in range(2):
            status, _ = await client.fetch("/admin/")
            if status != 200:
                raise BenchError(f"{client.role} GET /admin/: HTTP {status}")
        await wait_until_idle(server.pid)
        gc.collect()
        peak_reset = reset_peak_memory(server.pid)
        before = memory_kb(server.pid)
        sampled = [before.get("VmRSS", 0)]

        async def sample() -> None:
            while True:
                sampled.append(memory_kb(server.pid).get("VmRSS", 0))
                await asyncio.sleep(0.005)

        cpu_before = cpu_seconds(server.pid)
        sampler = asyncio.create_task(sample())
        try:
            result = await download(client, path)
        finally:
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
        result.server_cpu_s = cpu_seconds(server.pid) - cpu_before
        after = memory_kb(server.pid)
        sampled.append(after.get("VmRSS", 0))
        result.label = label
        result.rss_before_kb = before.get("VmRSS", 0)
        result.rss_peak_sampled_kb = max(sampled)
        result.hwm_kb = after.get("VmHWM", 0)
        result.peak_reset = peak_reset
        if result.skipped is None and result.failed is None:
            for _ in range(repeats):
                again = await download(client, path)
                if again.rows != result.rows:
                    raise BenchError(f"{path}: {again.rows} rows, then {result.rows}")
                result.repeats_s.append(again.total_s)
        return result


def print_exports(title: str, results: Sequence[ExportResult]) -> None:
    print()
    print(title)
    head = (
        f"  {'export':<34} {'rows':>10} {'MB':>8} {'first B s':>9} {'total s':>8}"
        f" {'again s':>13} {'server CPU':>10} {'RSS before':>10} {'peak':>8} {'growth':>8}"
    )
    print(head)
    print("  " + "-" * (len(head) - 2))
    for result in results:
        if result.skipped is not None:
            print(f"  {result.label:<34} skipped: {result.skipped} (not there yet)")
            continue
        if result.failed is not None:
            print(f"  {result.label:<34} FAILED: {result.failed}")
            continue
        peak = max(result.hwm_kb if result.peak_reset else 0, result.rss_peak_sampled_kb)
        again = " / ".join(f"{value:.2f}" for value in result.repeats_s) or "-"
        print(
            f"  {result.label:<34} {result.rows:>10,} {result.body_bytes / 1e6:>8.1f}"
            f" {result.first_byte_s:>9.3f} {result.total_s:>8.2f} {again:>13}"
            f" {result.server_cpu_s:>9.2f}s"
            f" {result.rss_before_kb / 1024:>8.1f}MB {peak / 1024:>6.1f}MB"
            f" {result.growth_kb / 1024:>+6.1f}MB"
        )
    if any(not result.peak_reset for result in results if result.rows):
        print("  (peak: sampled every 5 ms; /proc/<pid>/clear_refs could not reset VmHWM)")


# --- the run -----------------------------------------------------------------------------


async def server_facts(dsn: str) -> tuple[str, str]:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        version = str(await connection.fetchval("SHOW server_version"))
        buffers = str(await connection.fetchval("SHOW shared_buffers"))
        return version, buffers
    finally:
        await connection.close()


async def audit_page_two(dsn: str) -> int:
    """The ``before`` id of the audit log's second page (50 entries to a page)."""
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        value = await connection.fetchval(
            "SELECT id FROM audit_entry ORDER BY id DESC OFFSET 49 LIMIT 1"
        )
        return int(value)
    finally:
        await connection.close()


def print_progress(message: str) -> None:
    print(f"  seeded        {message}", flush=True)


async def measure_pages(
    browsers: Sequence[Browser],
    server: Server,
    pages_of: Callable[[str], list[Page]],
    repeat: int,
    warmup: int,
    dsn: str,
    only: str | None = None,
) -> list[PageResult]:
    results = []
    for client in browsers:
        for page in pages_of(client.role):
            if only and only not in page.label:
                continue
            result = await measure_page(client, server, page, repeat, warmup, dsn)
            if result.skipped is None and result.failed is None:
                print(
                    f"  timed         {client.role:<9} {page.label:<44}"
                    f" p95 {result.percentile(0.95):6.1f} ms",
                    flush=True,
                )
            elif result.skipped is not None:
                print(f"  skipped       {client.role:<9} {page.label} ({result.skipped})")
            results.append(result)
    return results


async def run(args: argparse.Namespace) -> int:
    target = target_for(args.database_url)
    sizes = Sizes(
        citizens=args.citizens,
        signatures=args.signatures,
        petitions=args.petitions,
        requests=args.info_requests,
        audit=args.audit,
    )
    now = datetime.now(UTC)
    print(f"creating database {target.name} and migrating it ...", flush=True)
    await create_database(target)
    try:
        await upgrade_async(target.url)
        seeding = time.perf_counter()
        seeder = Seeder(target.dsn, sizes, now, print_progress)
        await seeder.seed_authorities()
        secret, password_hash, enrol_step = await make_accounts(target.url, now)
        print_progress("2 accounts to sign in with, through civic.officials")
        await seeder.seed_the_rest(password_hash)
        await settle(target.dsn)
        seeded = await read_back(target.dsn)
        print_progress(f"VACUUM ANALYZE, CHECKPOINT; {time.perf_counter() - seeding:.0f} s in all")
        return await measure(args, target, seeded, secret, enrol_step)
    finally:
        if args.keep:
            print(f"kept: {target.dsn}")
        else:
            await drop_database(target)


async def measure(
    args: argparse.Namespace, target: Target, seeded: Seeded, secret: str, enrol_step: int
) -> int:
    version, buffers = await server_facts(target.dsn)
    print()
    print("The admin web on PostgreSQL")
    print(
        f"  python        {platform.python_implementation()} {platform.python_version()},"
        f" aiohttp {aiohttp.__version__}, SQLAlchemy {sqlalchemy.__version__},"
        f" asyncpg {asyncpg.__version__}"
    )
    print(
        f"  postgresql    {version} (shared_buffers {buffers}) at {target.dsn.rpartition('/')[0]}"
    )
    print(f"  machine       {os.cpu_count()} CPUs, {platform.machine()}, {platform.system()}")
    print("  server        python -m bot serve (pool 40), its own process; client: this one")
    print("  rows          " + ", ".join(f"{t} {n:,}" for t, n in seeded.counts.items()))
    print(
        f"  most signed   petition {seeded.top_petition} ({seeded.top_petition_count:,});"
        f" the official's: {seeded.official_top_petition} ({seeded.official_top_count:,})"
    )
    print(f"  timing        {args.warmup} untimed then {args.repeat} timed requests per page")
    kyiv_today = datetime.now(KYIV).date()
    today, week_ago = kyiv_today.isoformat(), (kyiv_today - timedelta(days=7)).isoformat()
    failed = False
    with tempfile.TemporaryDirectory(prefix="vz-admin-bench-") as work:
        workdir = Path(work)
        async with (
            browser("admin", ADMIN_EMAIL, secret) as admin,
            browser("official", OFFICIAL_EMAIL, None) as official,
        ):
            admin.last_step = enrol_step
            try:
                failed = not await measure_phases(
                    args, target, seeded, workdir, admin, official, today, week_ago
                )
            except BenchError as error:
                print(f"\nFAILED: {error}", file=sys.stderr)
                failed = True
    return 1 if failed else 0


async def measure_phases(
    args: argparse.Namespace,
    target: Target,
    seeded: Seeded,
    workdir: Path,
    admin: Browser,
    official: Browser,
    today: str,
    week_ago: str,
) -> bool:
    """Every phase; False when a page or an export answered other than 200 (or 404 where
    it may)."""
    audit_before = await audit_page_two(target.dsn)
    page_results: list[PageResult] = []
    if not args.skip_pages:
        async with running_server(target.url, workdir, "pages") as server:
            for client in (admin, official):
                await client.on(server)
            print("\nsigned in as the administrator (with TOTP) and the official; timing ...")
            page_results = await measure_pages(
                (admin, official),
                server,
                lambda role: pages_for(role, seeded, audit_before, today, week_ago),
                args.repeat,
                args.warmup,
                target.dsn,
                args.only,
            )
        print_pages(f"Pages ({seeded.counts['audit_entry']:,} audit entries)", page_results)

    export_results: list[ExportResult] = []
    if not args.skip_exports:
        print("\nexports, each in a fresh server ...", flush=True)
        labels = {
            "petitions": f"petitions.csv ({seeded.counts['petition']:,} petitions)",
            "signatures": "signatures.csv (per day)",
            "requests": f"requests.csv ({seeded.counts['information_request']:,} requests)",
            "requests-by-authority": "requests-by-authority.csv",
            "audit": f"audit.csv ({seeded.counts['audit_entry']:,} entries)",
        }
        for name in EXPORTS:
            result = await measure_export(
                admin, target.url, workdir, name, labels[name], args.export_repeats
            )
            export_results.append(result)
            done = result.failed or result.skipped or f"{result.rows:,} rows"
            print(f"  measured      {result.label}: {done}", flush=True)
        print_exports("Exports (administrator)", export_results)

    if args.audit_large > seeded.counts["audit_entry"]:
        grow = args.audit_large - seeded.counts["audit_entry"]
        print(f"\nadding {grow:,} audit entries (two earlier years) ...", flush=True)
        started = time.perf_counter()
        total = await grow_audit(target.dsn, grow, datetime.now(UTC))
        print(f"  seeded        audit_entry now {total:,} ({time.perf_counter() - started:.0f} s)")
        large_before = await audit_page_two(target.dsn)
        large_results: list[PageResult] = []
        if not args.skip_pages:
            async with running_server(target.url, workdir, "pages-large-audit") as server:
                for client in (admin, official):
                    await client.on(server)
                large_results = await measure_pages(
                    (admin, official),
                    server,
                    lambda _role: audit_pages(seeded, large_before, today, week_ago),
                    args.repeat,
                    args.warmup,
                    target.dsn,
                    args.only,
                )
            print_pages(f"Audit pages ({total:,} audit entries)", large_results)
        if not args.skip_exports:
            result = await measure_export(
                admin,
                target.url,
                workdir,
                "audit",
                f"audit.csv ({total:,} entries)",
                args.export_repeats,
            )
            small = [r for r in export_results if r.name == "audit.csv"]
            print_exports("Audit export at two sizes (administrator)", [*small, result])
            export_results.append(result)
            if small and small[0].rows and result.rows:
                print(
                    f"  growth while streaming: {small[0].growth_kb / 1024:.1f} MB at"
                    f" {small[0].rows:,} rows, {result.growth_kb / 1024:.1f} MB at"
                    f" {result.rows:,} rows"
                )
        page_results += large_results

    timed = [page for page in page_results if page.skipped is None and page.failed is None]
    missing = [page for page in timed if not page.meets_aim]
    failures = [
        f"{page.role} {page.page.path}: {page.failed}" for page in page_results if page.failed
    ]
    failures += [
        f"admin {export.path}: {export.failed}" for export in export_results if export.failed
    ]
    print()
    if missing:
        print(f"AIM MISSED (p95 < {AIM_MS:.0f} ms) by:")
        for page in missing:
            kind = "list page" if page.page.is_list else "page"
            print(
                f"  {page.role:<9} {page.page.label} ({kind}): p95 {page.percentile(0.95):.1f} ms"
            )
    elif timed:
        print(f"every page timed has p95 < {AIM_MS:.0f} ms")
    if failures:
        print("FAILED: these did not answer 200:", file=sys.stderr)
        for line in failures:
            print(f"  {line}", file=sys.stderr)
        return False
    print(f"OK: every page and export answered 200, or 404 where it may ({len(timed)} timed)")
    return True


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER_URL,
        help="a PostgreSQL server URL (its database is only used to create and drop the "
        "benchmark's own); default $VZ_BENCH_PG_DSN, $VZ_TEST_PG_DSN or %(default)s",
    )
    sizes = Sizes()
    parser.add_argument("--citizens", type=int, default=sizes.citizens)
    parser.add_argument("--signatures", type=int, default=sizes.signatures)
    parser.add_argument("--petitions", type=int, default=sizes.petitions)
    parser.add_argument("--info-requests", type=int, default=sizes.requests)
    parser.add_argument("--audit", type=int, default=sizes.audit, help="audit entries at first")
    parser.add_argument(
        "--audit-large",
        type=int,
        default=1_000_000,
        help="then grow the audit log to this many entries and measure it again (0: no)",
    )
    parser.add_argument(
        "--export-repeats", type=int, default=2, help="timed downloads after the measured one"
    )
    parser.add_argument(
        "--only", metavar="TEXT", help="time only the pages whose label contains TEXT"
    )
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database at the end (prints its URL)"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0 or args.export_repeats < 0:
        parser.error("--repeat must be positive, --warmup and --export-repeats >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
