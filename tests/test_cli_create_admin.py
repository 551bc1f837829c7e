"""``vzayemodiia create-admin``: an account from the command line, its password from
standard input, replaced for a known e-mail, refused in one line for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from civic.officials import Officials, verify_password
from storage.db import Database
from storage.official_models import AuditEntry, OfficialRole
from tests.cli_support import clean_env, run_cli
from tests.helpers import make_authority

pytestmark = pytest.mark.slow


async def test_creates_then_replaces_an_account(
    database: Database, database_url: str, tmp_path: Path, clock: object
) -> None:
    """The password comes from standard input; a second run for the same e-mail replaces
    role, authorities and password; both runs are in the audit log."""
    from datetime import UTC, datetime

    authority_id = await make_authority(database, datetime(2026, 11, 27, tzinfo=UTC))
    env = clean_env(VZ_DATABASE_URL=database_url)
    first = run_cli(
        "create-admin",
        "Olena@Example.org",
        "--role",
        "moderator",
        env=env,
        cwd=tmp_path,
        stdin="first password 123\n",
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "Created olena@example.org (moderator)."
    second = run_cli(
        "create-admin",
        "olena@example.org",
        "--role",
        "official",
        "--authority",
        str(authority_id),
        env=env,
        cwd=tmp_path,
        stdin="second password 456\n",
    )
    assert second.returncode == 0, second.stderr
    async with database.transaction() as session:
        official = await Officials(session).by_email("olena@example.org")
        assert official is not None
        assert official.role is OfficialRole.OFFICIAL
        assert [link.authority_id for link in official.authorities] == [authority_id]
        assert verify_password(official, "second password 456")
        assert not verify_password(official, "first password 123")
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert sorted(actions) == ["create_official", "replace_official"]


@pytest.mark.parametrize(
    ("args", "password", "says"),
    [
        (["nobody", "--role", "analyst"], "long enough password", "not an e-mail address"),
        (["a@example.org", "--role", "analyst"], "short", "12 to 200 characters"),
        (["a@example.org", "--role", "official"], "long enough password", "at least one"),
        (
            ["a@example.org", "--role", "official", "--authority", "999999"],
            "long enough password",
            "no authority has id 999999",
        ),
    ],
    ids=["bad-email", "short-password", "official-without-authority", "unknown-authority"],
)
async def test_bad_input_is_one_line_and_creates_nothing(
    database: Database,
    database_url: str,
    tmp_path: Path,
    args: list[str],
    password: str,
    says: str,
) -> None:
    """A refused account is one line on standard error, exit 1, and no row."""
    result = run_cli(
        "create-admin",
        *args,
        env=clean_env(VZ_DATABASE_URL=database_url),
        cwd=tmp_path,
        stdin=password + "\n",
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert says in lines[0]
    async with database.transaction() as session:
        assert (await Officials(session).all()) == []


def test_demo_prints_the_admin_web_and_a_login(tmp_path: Path) -> None:
    """``vzayemodiia demo`` serves the admin web and prints its address and a demo login
    (a moderator whose password is new each start)."""
    from tests.cli_support import free_port

    port = free_port()
    result = run_cli("demo", env=clean_env(VZ_HTTP_PORT=str(port)), cwd=tmp_path, stdin="/quit\n")
    assert result.returncode == 0, result.stderr
    assert f"Admin web: http://127.0.0.1:{port}/admin/" in result.stdout
    assert "demo login: moderator@demo.vzayemodiia.invalid, password: " in result.stdout
