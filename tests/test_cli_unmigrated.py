"""Commands that need the schema say so in one line when it is missing, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_support import clean_env, run_cli

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEST_KEY = "a-test-secret-key-of-enough-length"


@pytest.mark.parametrize(
    "command",
    [
        ("tick",),
        ("seed-demo",),
        ("authorities", "export", "-"),
        ("calendar", "list"),
        ("calendar", "clear", "2026-12-02"),
        ("serve",),
    ],
)
def test_an_unmigrated_database_is_named_with_what_to_do(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    """Exit 2 and one line: run `vzayemodiia migrate` first; nothing else is printed."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
    env = clean_env(VZ_DATABASE_URL=url, VZ_SECRET_KEY=TEST_KEY)
    done = run_cli(*command, env=env, cwd=PROJECT_ROOT)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "vzayemodiia: the database schema is not up to date: run `vzayemodiia migrate` first"
    ]
    assert "Traceback" not in done.stderr
