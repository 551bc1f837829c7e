"""`vzayemodiia tally election ID --from FILE`: the published list recounts to the
published result (exit 0), a page as served too; a list with one ballot changed fails
with the differences named (exit 1); an uncounted election or a bad file is refused."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from civic.clock import FixedClock
from storage.db import Database
from storage.election_models import Election
from tests.cli_support import clean_env, run_cli
from tests.election_support import counted_election

pytestmark = pytest.mark.slow


@pytest.fixture
async def sqlite_file(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'tally.sqlite3'}"
    migrated = run_cli("migrate", env=clean_env(VZ_DATABASE_URL=url), cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    return url


async def test_the_published_list_recounts_and_a_changed_one_does_not(
    sqlite_file: str, tmp_path: Path, clock: FixedClock
) -> None:
    """The list as published: "equals the published result", exit 0; as one API page:
    the same; with one ballot's choice changed: exit 1 naming the digest and the two
    candidates whose votes differ."""
    database = Database(sqlite_file)
    election_id, candidates, _receipts = await counted_election(database, clock.now())
    async with database.reading() as session:
        election = await session.get(Election, election_id)
        assert election is not None
        published = json.loads(election.published_ballots or "[]")
    await database.dispose()
    env = clean_env(VZ_DATABASE_URL=sqlite_file)

    def tally(file: str) -> subprocess.CompletedProcess[str]:
        return run_cli("tally", "election", str(election_id), "--from", file, env=env, cwd=tmp_path)

    (tmp_path / "ballots.json").write_text(json.dumps(published), encoding="utf-8")
    same = run_cli(
        "tally", "election", str(election_id), "--from", "ballots.json", env=env, cwd=tmp_path
    )
    assert same.returncode == 0, same.stderr
    assert "The recount equals the published result." in same.stdout
    assert f"{len(published)} ballots" in same.stdout

    (tmp_path / "page.json").write_text(json.dumps({"items": published, "next": None}))
    page = run_cli(
        "tally", "election", str(election_id), "--from", "page.json", env=env, cwd=tmp_path
    )
    assert page.returncode == 0, page.stderr

    changed = [dict(ballot) for ballot in published]
    first = changed[0]["choices"][0]
    other = next(c for c in candidates if c not in changed[0]["choices"])
    changed[0] = {"choices": sorted([other, *changed[0]["choices"][1:]])}
    (tmp_path / "changed.json").write_text(json.dumps(changed), encoding="utf-8")
    wrong = run_cli(
        "tally", "election", str(election_id), "--from", "changed.json", env=env, cwd=tmp_path
    )
    assert wrong.returncode == 1
    assert "The recount differs from the published result:" in wrong.stderr
    assert "the list's digest is" in wrong.stderr
    assert f"candidate {first} " in wrong.stderr
    assert f"candidate {other} " in wrong.stderr


async def test_a_bad_file_or_an_unknown_election_is_refused(
    sqlite_file: str, tmp_path: Path
) -> None:
    """Not JSON, ballots without choices, an election that does not exist: one line each,
    exit 1, no traceback."""
    env = clean_env(VZ_DATABASE_URL=sqlite_file)
    (tmp_path / "text.json").write_text("ballots", encoding="utf-8")
    (tmp_path / "odd.json").write_text('[{"votes": [1]}]', encoding="utf-8")
    (tmp_path / "empty.json").write_text("[]", encoding="utf-8")
    for file, message in (
        ("text.json", "not JSON"),
        ("odd.json", 'ballot 1 has no "choices"'),
        ("empty.json", "there is no election 999"),
    ):
        result = run_cli("tally", "election", "999", "--from", file, env=env, cwd=tmp_path)
        assert result.returncode == 1, file
        assert message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
