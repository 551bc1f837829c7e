"""Casting council-election ballots through the conversation core on PostgreSQL, beside
signing a petition measured the same way in the same run.

    .venv/bin/python bench/cast_ballots.py [--citizens N] [--concurrency C]
        [--database-url URL] [--pool-size P] [--warmup W] [--choices K]

What it does (the set-up is bench/sign_petition.py's, whose helpers it calls):

1. creates and migrates a fresh PostgreSQL database, with an authority and two open
   petitions (``sign_petition.create_open_petitions``), and two open elections of that
   authority with five candidates of verified organisations each, ballots naming up to K
   (a warm-up one and the measured one), through the civic rules;
2. prepares 2W + 2N verified citizens with Telegram accounts (bulk SQL, not timed); the
   ballot's voters have their choice of K candidates already in their dialog state, as
   after choosing and reviewing in chat, so that the timed event is the one that writes:
   "✅ Cast my ballot", as "✍ Sign" is for a signature;
3. warms up (not timed): W citizens sign the warm-up petition and W cast in the warm-up
   election;
4. timed, one after the other with C concurrent workers each: N citizens sign the
   measured petition (``sign_petition.sign_all``), then (or first, with
   ``--casting-first``) N other citizens cast a ballot in the measured election
   (``ButtonPress("ec:<election>")`` through ``ConversationCore.handle``);
5. prints both rates, latency percentiles and CPU, and their ratio; checks that the
   election has exactly N voters, N ballots, N receipts and N x K choices (exit status 1
   when not) and drops the database.

Not part of the test run. Results: docs/performance.md, "Issue 11 — casting ballots".
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]  # no stubs, no py.typed

ROOT = str(Path(__file__).resolve().parent.parent)
sys.path[:] = [ROOT, *(entry for entry in sys.path if entry != ROOT)]
sys.path.insert(1, str(Path(__file__).resolve().parent))

import sign_petition as signing  # noqa: E402

from bot.app import build_core  # noqa: E402
from bot.settings import Settings  # noqa: E402
from civic.elections import Elections, ElectionTerms  # noqa: E402
from civic.organisation_demo import ensure_demo_organisations  # noqa: E402
from handlers.core import ConversationCore  # noqa: E402
from handlers.texts import Texts  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import Petition  # noqa: E402

DEFAULT_CHOICES = 2


async def create_open_elections(
    database: Database, authority_id: int, now: datetime, choices: int
) -> tuple[int, list[int], int, list[int]]:
    """A warm-up and a measured election, open now for a day, five candidates each;
    (warm-up id, its candidates, measured id, its candidates)."""
    made: list[tuple[int, list[int]]] = []
    async with database.transaction() as session:
        organisations, _added = await ensure_demo_organisations(session, now)
        rules = Elections(session)
        for title in ("Розігрівні вибори до громадської ради", "Вибори до громадської ради"):
            election = await rules.create(
                authority_id,
                ElectionTerms(
                    title=title,
                    seats=3,
                    max_choices=choices,
                    opens_at=now + timedelta(seconds=1),
                    closes_at=now + timedelta(days=1),
                ),
                now,
            )
            candidates = [
                (await rules.nominate(election.id, o.id, f"Кандидат {n}", "", now)).id
                for n, o in enumerate(organisations)
            ]
            election.opens_at = now - timedelta(minutes=1)
            made.append((election.id, candidates))
    return made[0][0], made[0][1], made[1][0], made[1][1]


async def choose_in_dialog(
    target: signing.Target, user_ids: Sequence[str], election_id: int, chosen: list[int]
) -> None:
    """Put these voters' dialog where the review leaves it: choosing, with ``chosen``."""
    state = json.dumps(
        {
            "flow": "council_ballot",
            "step": "choosing",
            "data": {"election_id": election_id, "chosen": chosen},
        }
    )
    connection = await asyncpg.connect(target.dsn, timeout=10)
    try:
        await connection.execute(
            "UPDATE channel_account SET dialog_state = $1::json"
            " WHERE channel = $2 AND external_id = ANY($3::text[])",
            state,
            signing.CHANNEL,
            list(user_ids),
        )
        # The update left a dead row version behind each live one; a server that has run
        # a while has vacuumed them, and the timed events should not step over them.
        await connection.execute("VACUUM ANALYZE channel_account")
    finally:
        await connection.close()


async def cast_all(
    core: ConversationCore, election_id: int, user_ids: Sequence[str], concurrency: int, lead: str
) -> signing.RunResult:
    """Every voter presses "Cast my ballot" once; C workers take the next voter."""
    return await signing.press_all(
        core, f"ec:{election_id}", user_ids, concurrency, lead, event_prefix="cast"
    )


def report(name: str, unit: str, result: signing.RunResult, cpu_seconds: float) -> float:
    ms = sorted(value * 1000 for value in result.latencies)
    rate = len(ms) / result.wall_seconds
    print(f"  {name}")
    print(f"    wall time     {result.wall_seconds:.2f} s")
    print(f"    {unit:<13} {rate:,.0f}")
    print(
        f"    latency ms    p50 {signing.percentile(ms, 0.50):.1f}"
        f"  p90 {signing.percentile(ms, 0.90):.1f}  p99 {signing.percentile(ms, 0.99):.1f}"
        f"  max {ms[-1] if ms else math.nan:.1f}"
    )
    print(
        f"    CPU           this process {cpu_seconds / result.wall_seconds:.2f} CPU"
        f" ({cpu_seconds / max(len(ms), 1) * 1e6:.0f} us per event)"
    )
    for line in result.errors[:5]:
        print(f"    error         {line}")
    return rate


async def stored(target: signing.Target, election_id: int) -> tuple[int, int, int, int]:
    """Voters, ballots, choices and receipts of the election."""
    connection = await asyncpg.connect(target.dsn, timeout=10)
    try:
        row = await connection.fetchrow(
            """
            SELECT
              (SELECT count(*) FROM election_voter WHERE election_id = $1),
              (SELECT count(*) FROM ballot WHERE election_id = $1),
              (SELECT coalesce(sum(json_array_length(choices)), 0) FROM ballot
                WHERE election_id = $1),
              (SELECT count(*) FROM election_receipt WHERE election_id = $1)
            """,
            election_id,
        )
    finally:
        await connection.close()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


async def run(args: argparse.Namespace) -> int:
    target = signing.target_for(args.database_url)
    now = datetime.now(UTC)
    print(f"creating database {target.name} and migrating it ...", flush=True)
    await signing.create_database(target)
    database: Database | None = None
    try:
        await upgrade_async(target.url)
        database = Database(target.url, pool_size=args.pool_size)
        warm_petition, petition_id = await signing.create_open_petitions(database, now)
        async with database.transaction() as session:
            petition = await session.get(Petition, petition_id)
            assert petition is not None
            authority_id = petition.authority_id
        warm_election, warm_candidates, election_id, candidates = await create_open_elections(
            database, authority_id, now, args.choices
        )
        everyone = await signing.prepare_citizens(target, 2 * args.warmup + 2 * args.citizens, now)
        w, n = args.warmup, args.citizens
        warm_signers, warm_voters = everyone[:w], everyone[w : 2 * w]
        signers, voters = everyone[2 * w : 2 * w + n], everyone[2 * w + n :]
        await choose_in_dialog(target, warm_voters, warm_election, warm_candidates[: args.choices])
        await choose_in_dialog(target, voters, election_id, candidates[: args.choices])

        settings = Settings(
            database_url=target.url,
            secret_key=signing.BENCH_SECRET,
            default_locale="uk",
            timezone="Europe/Kyiv",
            verified_actions=frozenset({"sign", "vote"}),
        )
        core = build_core(settings, database, signing.BENCH_SECRET)
        texts = Texts("uk", settings.zone)
        signed = texts._("✅ Your signature under petition No. {id} is counted.")
        cast_lead = texts._(
            "✅ Your ballot is cast. Your receipt code: {code}\n\n"
            "Keep it: after the count you can check that your ballot is among those "
            "counted. It does not show how you voted, to anyone."
        ).split("{code}")[0]

        print()
        print("Casting ballots and signing a petition through the conversation core (PostgreSQL)")
        print(
            f"  python        {platform.python_implementation()} {platform.python_version()}"
            f", event loop {signing.event_loop_name()}"
        )
        print(f"  postgresql    {await signing.server_version(target)}")
        print(f"  machine       {os.cpu_count()} CPUs, {platform.machine()}, {platform.system()}")
        print(
            f"  runs          {n} signatures, then {n} ballots naming {args.choices} of 5"
            f" candidates; concurrency {args.concurrency}, pool {args.pool_size}"
        )
        await signing.warm_pool(database, args.pool_size)
        await signing.sign_all(
            core, warm_petition, warm_signers, args.concurrency, signed.format(id=warm_petition)
        )
        await cast_all(core, warm_election, warm_voters, args.concurrency, cast_lead)
        print("running ...", flush=True)

        async def timed_signing() -> tuple[signing.RunResult, float]:
            cpu = time.process_time()
            run = await signing.sign_all(
                core, petition_id, signers, args.concurrency, signed.format(id=petition_id)
            )
            return run, time.process_time() - cpu

        async def timed_casting() -> tuple[signing.RunResult, float]:
            cpu = time.process_time()
            run = await cast_all(core, election_id, voters, args.concurrency, cast_lead)
            return run, time.process_time() - cpu

        if args.casting_first:
            casting_run, casting_cpu = await timed_casting()
            signing_run, signing_cpu = await timed_signing()
        else:
            signing_run, signing_cpu = await timed_signing()
            casting_run, casting_cpu = await timed_casting()

        print()
        signatures = report("signing a petition", "signatures/s", signing_run, signing_cpu)
        ballots = report("casting a ballot", "ballots/s", casting_run, casting_cpu)
        print(f"  ratio         ballots/s : signatures/s = {ballots / signatures:.2f}")

        voters_n, ballots_n, choices_n, receipts_n = await stored(target, election_id)
        ok = (
            voters_n == ballots_n == receipts_n == n == casting_run.answered
            and choices_n == n * args.choices
            and not casting_run.errors
            and signing_run.answered == n
        )
        if ok:
            print(f"OK: voters == ballots == receipts == N ({n}), choices == N x {args.choices}")
            return 0
        print(
            f"FAILED: voters {voters_n}, ballots {ballots_n}, choices {choices_n}, receipts"
            f" {receipts_n}, N {n}, cast replies {casting_run.answered}, signed replies"
            f" {signing_run.answered}, errors {len(casting_run.errors)}",
            file=sys.stderr,
        )
        return 1
    finally:
        if database is not None:
            await database.dispose()
        await signing.drop_database(target)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    signing.add_run_arguments(parser)
    parser.add_argument(
        "--choices", type=int, default=DEFAULT_CHOICES, help="candidates each ballot names (1-5)"
    )
    parser.add_argument(
        "--casting-first", action="store_true", help="time the ballots before the signatures"
    )
    args = parser.parse_args(argv)
    signing.check_run_arguments(parser, args)
    if not 1 <= args.choices <= 5:
        parser.error("--choices must be from 1 to 5")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    return signing.run_on_fastest_loop(run(parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
