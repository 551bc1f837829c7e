"""``vzayemodiia tally election ID --from FILE``: recount a downloaded ballot list and
compare it with the published result.

The file is the open data's ballot list: a JSON array of every ballot (every page's
``items`` in order) or one page as served. The recount recomputes the list's digest, the
votes per candidate and the seats by the published rule (``civic.council_seats``), with
the election's candidates read from the database, and prints the result; exit 0 when
the digest, the number of ballots and every candidate's votes, rank and outcome equal the
published ones, 1 with each difference otherwise.
"""

from __future__ import annotations

import argparse
import sys

from bot.command_support import CommandRefused, open_database, read_file
from bot.settings import Settings
from civic.ballot_lists import BallotFileError, ballots_from_file, digest
from civic.council_seats import Contender, allocate, count_votes
from civic.elections import Elections


def add_tally_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tally = commands.add_parser(
        "tally", help="recount a published ballot list and compare it with the result"
    )
    kinds = tally.add_subparsers(dest="kind", required=True, metavar="KIND")
    election = kinds.add_parser("election", help="a public council election")
    election.add_argument("id", type=int, metavar="ID", help="the election's id")
    election.add_argument(
        "--from", dest="file", required=True, metavar="FILE", help="the ballot list (JSON)"
    )


async def run_tally(settings: Settings, args: argparse.Namespace) -> int:
    try:
        ballots = ballots_from_file(read_file(args.file))
    except BallotFileError as error:
        raise CommandRefused(f"{args.file}: {error}") from None
    database = await open_database(settings)
    try:
        async with database.reading() as session:
            rules = Elections(session)
            election = await rules.get(args.id)
            if election is None:
                raise CommandRefused(f"there is no election {args.id}")
            if election.counted_at is None or election.results is None:
                raise CommandRefused(f"election {args.id} is not counted yet")
            standing = await rules.candidates(args.id)
    finally:
        await database.dispose()
    names = {candidate.id: candidate.name for candidate, _organisation in standing}
    recomputed = digest([{"choices": choices} for choices in ballots])
    contenders = [
        Contender(candidate.id, candidate.organisation_id, candidate.withdrawn_at is not None)
        for candidate, _organisation in standing
    ]
    placed = allocate(contenders, count_votes(ballots), election.seats, recomputed)
    print(f"Election {args.id}: {len(ballots)} ballots, digest {recomputed}")
    for place in placed:
        name = names.get(place.candidate_id, "?")
        print(
            f"  {place.rank:>3}. {name} (id {place.candidate_id}): {place.votes} votes, "
            f"{place.outcome.value}"
        )
    differences = []
    if recomputed != election.ballots_digest:
        differences.append(
            f"the list's digest is {recomputed}, the published one {election.ballots_digest}"
        )
    if len(ballots) != election.ballot_count:
        differences.append(
            f"the list has {len(ballots)} ballots, the published count is {election.ballot_count}"
        )
    published = {int(place["candidate_id"]): place for place in election.results}
    for place in placed:
        theirs = published.get(place.candidate_id)
        ours = place.as_dict()
        if theirs != ours:
            differences.append(
                f"candidate {place.candidate_id} ({names.get(place.candidate_id, '?')}): "
                f"recounted {ours['votes']} votes, rank {ours['rank']}, {ours['outcome']}; "
                f"published {_shown(theirs)}"
            )
    if differences:
        print("The recount differs from the published result:", file=sys.stderr)
        for difference in differences:
            print(f"  - {difference}", file=sys.stderr)
        return 1
    print("The recount equals the published result.")
    return 0


def _shown(place: dict[str, object] | None) -> str:
    if place is None:
        return "nothing"
    return f"{place['votes']} votes, rank {place['rank']}, {place['outcome']}"
