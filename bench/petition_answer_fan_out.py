"""A petition answered to many signers: the official's transaction, then the worker's
expansion of the fan-out into one notice per signer.

    .venv/bin/python bench/petition_answer_fan_out.py [--database-url URL] [--signers 200000]

On a fresh PostgreSQL database (``vz_bench_<random>``, migrated, dropped at the end),
``--signers`` citizens sign one petition (bulk SQL). Printed:

1. **answer**: the time of ``Petitions.answer`` in its transaction, as the admin web runs
   it (it now writes one fan-out row), and, for comparison, the statement the answer used
   to run in that transaction before fan-outs (one INSERT ... SELECT of a notice per
   signer), timed on its own in a transaction that is rolled back;
2. **expansion**: the worker's steps (``FanOuts.expand_step``, 5,000 signers each, one
   transaction each, as ``Notifier`` runs them): time to the first step's notices being
   committed (the first messages may leave then), the whole expansion, notices a second,
   the slowest step, and the process's peak resident memory before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]  # no stubs, no py.typed
from sign_petition import (
    CHANNEL,
    Target,
    create_database,
    create_open_petitions,
    drop_database,
    prepare_citizens,
    target_for,
)
from sqlalchemy import Select, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.modules import product_modules  # noqa: E402
from civic.fan_outs import FanOuts  # noqa: E402
from civic.petitions import Petitions  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.outbox_models import FanOut  # noqa: E402

ANSWER = "Рада розглянула петицію і погодила облаштування переходу у 2027 році."
SIGN_ALL = """
INSERT INTO signature (petition_id, citizen_id, channel, signed_at)
SELECT $1, id, $2, $3 FROM citizen WHERE phone_hash IS NOT NULL
"""
# What Petitions.answer ran before fan-outs, in the answer's own transaction.
OLD_ANSWER_INSERT = """
INSERT INTO notice (citizen_id, channel, kind, subject_id, payload, created_at, send_after,
                    attempts, in_digest)
SELECT citizen_id, channel, 'petition_answered', $1, '{}'::json, $2, $2, 0, false
FROM signature WHERE petition_id = $1
"""


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def signed_petition(database: Database, target: Target, signers: int, now: datetime) -> int:
    """A petition awaiting its answer, signed by ``signers`` citizens (bulk SQL)."""
    _warmup, petition_id = await create_open_petitions(database, now)
    await prepare_citizens(target, signers, now)
    connection = await asyncpg.connect(target.dsn)
    try:
        await connection.execute(SIGN_ALL, petition_id, CHANNEL, now)
        await connection.execute(
            "UPDATE petition SET status = 'awaiting_answer' WHERE id = $1", petition_id
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return petition_id


async def time_old_insert(dsn: str, petition_id: int, now: datetime) -> float:
    connection = await asyncpg.connect(dsn)
    try:
        transaction = connection.transaction()
        await transaction.start()
        started = time.perf_counter()
        await connection.execute(OLD_ANSWER_INSERT, petition_id, now)
        elapsed = time.perf_counter() - started
        await transaction.rollback()
    finally:
        await connection.close()
    return elapsed


async def run(args: argparse.Namespace) -> None:
    target = target_for(args.database_url)
    await create_database(target)
    try:
        await upgrade_async(target.url)
        database = Database(target.url)
        now = datetime.now(UTC)
        petition_id = await signed_petition(database, target, args.signers, now)
        print(f"{args.signers} signers; PostgreSQL {target.name}")

        old = await time_old_insert(target.dsn, petition_id, now)
        started = time.perf_counter()
        async with database.transaction() as session:
            await Petitions(session).answer(petition_id, ANSWER, now)
        answered = time.perf_counter() - started
        print(f"answer transaction: {answered * 1000:.1f} ms (one fan-out row)")
        print(f"  before fan-outs the same transaction inserted every notice: {old:.2f} s")

        audiences = product_modules().fan_out_audiences
        memory_before = peak_mib()
        steps: list[float] = []
        first_committed = None
        started = time.perf_counter()
        while True:
            step_started = time.perf_counter()
            async with database.transaction() as session:
                fan_out = await session.scalar(select_fan_out())
                assert fan_out is not None
                added = await FanOuts(session, audiences).expand_step(fan_out, now)
            steps.append(time.perf_counter() - step_started)
            if first_committed is None:
                first_committed = time.perf_counter() - started
            if not added:
                break
        total = time.perf_counter() - started
        async with database.transaction() as session:
            fan_out = await session.scalar(select_fan_out())
            assert fan_out is not None
            expanded = fan_out.expanded
        print(
            f"expansion: {expanded} notices in {len(steps) - 1} steps, {total:.2f} s "
            f"({expanded / total:,.0f} a second); first step committed after "
            f"{(first_committed or 0) * 1000:.0f} ms; slowest step {max(steps) * 1000:.0f} ms"
        )
        print(f"peak memory: {memory_before:.0f} MiB before expansion, {peak_mib():.0f} MiB after")
        if expanded != args.signers:
            raise SystemExit(f"expanded {expanded}, expected {args.signers}")
        await database.dispose()
    finally:
        await drop_database(target)


def select_fan_out() -> Select[FanOut]:
    return select(FanOut).with_for_update()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--signers", type=int, default=200_000)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
