"""A broadcast to a million citizens in Telegram's paid-broadcast mode, as deployed: the
worker and the web server each in a process of its own, against the Bot API double.

    .venv/bin/python bench/broadcast_million.py [--citizens 1000000] [--rate 1000]
        [--database-url URL] [--sample-seconds 5]

On a fresh PostgreSQL database (``vz_bench_<random>``, migrated, dropped at the end):
``--citizens`` citizens with a Telegram account each (bulk SQL); the double
(tests/fakes/telegram_api.py) in this process, enforcing one message a second per chat,
30 a second unpaid and 1,000 a second with ``allow_paid_broadcast``; ``--workers``
processes of ``vzayemodiia serve --role worker`` with ``VZ_TELEGRAM_PAID_BROADCAST=true``
and ``VZ_TELEGRAM_RATE`` = ``--rate`` / ``--workers``; ``vzayemodiia serve --role web``
answering the open data and the health check once a second throughout. Once all run, one
broadcast to everyone is queued. Printed:

- time from queueing to the double's first accepted message;
- the rate held: first to last message, and per 10-second window (median, lowest)
  after the first 10 s, against ``--rate``; the double's 429s; chats that got the
  message other than once;
- the worker's and the web process's resident memory: peak (``VmHWM``) and samples
  every ``--sample-seconds`` (so that flat or growing can be told), and at 10 %, 50 %
  and 90 % of the sends.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import signal
import socket
import statistics
import sys
import time
from pathlib import Path

import aiohttp
from broadcast_telegram import SECRET, add_citizens, progress_of, queue_broadcast
from sign_petition import create_database, drop_database, target_for

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.db import Database  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.outbox_models import BroadcastStatus  # noqa: E402
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI, SendLimits  # noqa: E402

FIRST_CHAT = 50_000_000
WINDOW_SECONDS = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def memory_mib(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


async def start(
    role: str, env: dict[str, str], profile: Path | None = None
) -> asyncio.subprocess.Process:
    """``serve --role ROLE`` in a process of its own (under bench/profiled.py when
    ``profile`` names its output)."""
    profiled = (sys.executable, str(ROOT / "bench" / "profiled.py"), str(profile))
    return await asyncio.create_subprocess_exec(
        *(profiled if profile else (sys.executable,)),
        *("-m", "bot", "serve", "--role", role),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def keep_asking(port: int, stop: asyncio.Event, answered: list[int]) -> None:
    """The web process's everyday load while the broadcast runs: the health check and a
    page of open data, once a second."""
    async with aiohttp.ClientSession() as client:
        while not stop.is_set():
            for path in ("/healthz", "/api/v1/petitions?limit=20"):
                try:
                    async with client.get(f"http://127.0.0.1:{port}{path}") as response:
                        answered.append(response.status)
                except aiohttp.ClientError:
                    answered.append(0)
            await asyncio.sleep(1.0)


def window_rates(times: list[float], first: float) -> list[float]:
    """Messages a second in each whole 10-second window after the first 10 s."""
    last = times[-1]
    rates = []
    start = first + WINDOW_SECONDS
    while start + WINDOW_SECONDS <= last:
        count = bisect.bisect_left(times, start + WINDOW_SECONDS) - bisect.bisect_left(times, start)
        rates.append(count / WINDOW_SECONDS)
        start += WINDOW_SECONDS
    return rates


async def run(args: argparse.Namespace) -> None:
    target = target_for(args.database_url)
    await create_database(target)
    workers: list[asyncio.subprocess.Process] = []
    try:
        await upgrade_async(target.url)
        seeded = time.monotonic()
        await add_citizens(target.dsn, FIRST_CHAT, args.citizens)
        print(f"{args.citizens:,} citizens seeded in {time.monotonic() - seeded:.0f} s")
        database = Database(target.url)
        limits = SendLimits(overall=30, per_chat=1, paid_overall=1000)
        async with FakeTelegramAPI(limits=limits) as api:
            port = free_port()
            env = {
                **os.environ,
                "VZ_DATABASE_URL": target.url,
                "VZ_SECRET_KEY": SECRET,
                "VZ_TELEGRAM_TOKEN": DEFAULT_TOKEN,
                "VZ_TELEGRAM_API_URL": api.url,
                "VZ_TELEGRAM_MODE": "polling",
                "VZ_TELEGRAM_PAID_BROADCAST": "true",
                # Several workers share the outbox and the rate (decision 0006).
                "VZ_TELEGRAM_RATE": str(args.rate / args.workers),
                "VZ_QUIET_HOURS": "",
                "VZ_HTTP_PORT": str(port),
            }
            worker = await start("worker", env, args.profile)
            more = [await start("worker", env) for _ in range(args.workers - 1)]
            web = await start("web", env)
            workers += [worker, *more, web]
            await asyncio.sleep(5)  # all up: the workers polling, the web listening
            idle = {"worker": memory_mib(worker.pid), "web": memory_mib(web.pid)}
            stop = asyncio.Event()
            answered: list[int] = []
            asking = asyncio.create_task(keep_asking(port, stop, answered))

            if args.profile:
                worker.send_signal(signal.SIGUSR1)
            queued_at = time.monotonic()
            broadcast_id = await queue_broadcast(database)
            samples: list[tuple[float, int, float, float]] = []  # t, sent, worker, web
            marks: dict[int, tuple[float, float]] = {}
            last_sample = 0.0
            while True:
                now = time.monotonic()
                if now - last_sample >= args.sample_seconds:
                    sent = len(api.sends)
                    worker_rss, _ = memory_mib(worker.pid)
                    web_rss, _ = memory_mib(web.pid)
                    samples.append((now - queued_at, sent, worker_rss, web_rss))
                    for share in (10, 50, 90):
                        if share not in marks and sent >= args.citizens * share / 100:
                            marks[share] = (worker_rss, web_rss)
                    last_sample = now
                    status, _done = await progress_of(database, broadcast_id)
                    if status is BroadcastStatus.DONE:
                        break
                await asyncio.sleep(0.2)
            if args.profile:
                worker.send_signal(signal.SIGUSR2)
                print(f"worker profile: {args.profile} (cProfile halves the rate)")
            stop.set()
            await asyncio.wait_for(asking, 10)
            peaks = {"worker": memory_mib(worker.pid)[1], "web": memory_mib(web.pid)[1]}
            other_peaks = [memory_mib(process.pid)[1] for process in more]

            times = sorted(send.at for send in api.sends)
            first, last = times[0], times[-1]
            per_chat = api.messages_per_chat()
            wrong = sum(1 for n in range(args.citizens) if per_chat.get(FIRST_CHAT + n, 0) != 1)
            windows = window_rates(times, first)
            overall = (len(times) - 1) / (last - first)
            print(
                f"broadcast to {args.citizens:,}: configured {args.rate:g}/s, paid mode, "
                f"{args.workers} worker process(es) at {args.rate / args.workers:g}/s each"
            )
            print(f"  first message {first - queued_at:.2f} s after queueing")
            print(
                f"  rate first to last: {overall:.1f}/s = {overall / args.rate:.1%} "
                f"over {last - first:.0f} s"
            )
            if windows:
                print(
                    "  10-s windows after the first 10 s: median "
                    f"{statistics.median(windows):.1f}/s"
                    f" ({statistics.median(windows) / args.rate:.1%}), lowest "
                    f"{min(windows):.1f}/s, highest {max(windows):.1f}/s ({len(windows)} windows)"
                )
            print(f"  429s: {len(api.rejected_429s())}; chats not exactly once: {wrong}")
            print(
                f"  web answers: {len(answered)}, not 200: {sum(1 for s in answered if s != 200)}"
            )
            for role in ("worker", "web"):
                share_text = ", ".join(
                    f"{share} %: {marks[share][0 if role == 'worker' else 1]:.0f}"
                    for share in sorted(marks)
                )
                print(
                    f"  {role} memory: idle {idle[role][0]:.0f} MiB; during the sends "
                    f"{share_text} MiB; peak (VmHWM) {peaks[role]:.0f} MiB"
                )
            if other_peaks:
                shown = ", ".join(f"{peak:.0f}" for peak in other_peaks)
                print(f"  the other workers' peaks (VmHWM): {shown} MiB")
            print("  samples (s, sent, worker MiB, web MiB):")
            for at, sent, worker_rss, web_rss in samples[:: max(1, len(samples) // 12)]:
                print(f"    {at:7.0f} {sent:>9,} {worker_rss:6.0f} {web_rss:6.0f}")
        await database.dispose()
    finally:
        for process in workers:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), 30)
                except TimeoutError:
                    process.kill()
        await drop_database(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--sample-seconds", type=float, default=5.0)
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes sharing the rate and outbox"
    )
    parser.add_argument("--profile", type=Path, help="write the worker's cProfile stats here")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
