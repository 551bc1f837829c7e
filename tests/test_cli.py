"""The real command line as a subprocess: migrate, seed, refusals, and a console session."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.web.server import create_app
from civic.clock import SystemClock
from storage.db import Database
from tests.cli_support import free_port, run_cli

pytestmark = pytest.mark.slow

PHONE = "+380501234567"


def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"


def cli_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment without the developer's own VZ_* settings, plus ``settings``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("VZ_")}
    env["VZ_DATABASE_URL"] = database_url(tmp_path)
    env.update(settings)
    return env


def assert_one_line_error(result: subprocess.CompletedProcess[str], variable: str) -> None:
    """Non-zero exit, one line on stderr naming ``variable``, and no traceback."""
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_migrate_then_seed_demo_twice(tmp_path: Path) -> None:
    """migrate prepares the database; seed-demo adds content once, and nothing the second time."""
    env = cli_env(tmp_path)
    migrated = run_cli("migrate", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert "Database schema is up to date." in migrated.stdout
    assert (tmp_path / "cli.sqlite3").exists()

    first = run_cli("seed-demo", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    added = {
        what: re.search(rf"(\d+) {what}\b", first.stdout)
        for what in (
            "authorities",
            "organisations",
            "petitions",
            "polls",
            "elections",
            "consultations",
        )
    }
    assert all(found is not None for found in added.values()), first.stdout
    counts = {what: int(found.group(1)) for what, found in added.items() if found}
    assert counts["authorities"] >= 3
    assert counts["organisations"] >= 4
    assert counts["petitions"] >= 3
    assert counts["polls"] == 1
    assert counts["elections"] == 1
    assert counts["consultations"] == 1

    second = run_cli("seed-demo", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    nothing = (
        "0 authorities, 0 organisations, 0 petitions, 0 polls, 0 elections and "
        "0 consultations added"
    )
    assert nothing in second.stdout
    assert "Traceback" not in first.stderr + second.stderr


def test_serve_without_secret_key_names_it(tmp_path: Path) -> None:
    """serve without VZ_SECRET_KEY exits non-zero with one line naming it, no traceback."""
    env = cli_env(tmp_path, VZ_HTTP_PORT=str(free_port()))
    assert run_cli("migrate", env=env, cwd=tmp_path).returncode == 0
    assert_one_line_error(run_cli("serve", env=env, cwd=tmp_path), "VZ_SECRET_KEY")


def test_malformed_port_names_the_variable(tmp_path: Path) -> None:
    """A port that is not a number is refused in one line naming VZ_HTTP_PORT."""
    env = cli_env(tmp_path, VZ_HTTP_PORT="abc", VZ_SECRET_KEY="cli-test-secret-key-123456")
    assert_one_line_error(run_cli("serve", env=env, cwd=tmp_path), "VZ_HTTP_PORT")


def test_console_script_is_installed(tmp_path: Path) -> None:
    """The ``vzayemodiia`` console script runs from any directory and lists the commands."""
    script = Path(sys.executable).with_name("vzayemodiia")
    result = subprocess.run(
        [str(script), "--help"],
        env=cli_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for command in ("demo", "serve", "chat", "migrate", "seed-demo"):
        assert command in result.stdout


async def _signature_count(client: TestClient[web.Request, web.Application], pid: int) -> int:
    response = await client.get(f"/api/v1/petitions/{pid}")
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    count = body["signature_count"]
    assert isinstance(count, int)
    return count


async def test_scripted_console_session_signs_a_petition(tmp_path: Path) -> None:
    """A typed chat session signs a petition, and the public API counts exactly one more."""
    env = cli_env(tmp_path)
    for command in ("migrate", "seed-demo"):
        done = await asyncio.to_thread(run_cli, command, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr

    database = Database(database_url(tmp_path))
    client: TestClient[web.Request, web.Application] = TestClient(
        TestServer(create_app(database, SystemClock()))
    )
    await client.start_server()
    try:
        listing = await client.get("/api/v1/petitions")
        assert listing.status == 200
        ids = [int(item["id"]) for item in (await listing.json())["items"]]
        assert ids
        before = {pid: await _signature_count(client, pid) for pid in ids}

        script = "\n".join(
            [
                "/start",
                "1",  # 📜 Petitions
                "1",  # the first petition in the list
                "1",  # ✍ Sign
                "2",  # after "1. Cancel": 📱 Share my phone number
                PHONE,
                "/quit",
            ]
        )
        chat = await asyncio.to_thread(
            run_cli,
            "chat",
            "--language",
            "en",
            "--user",
            "tester",
            env=env,
            cwd=tmp_path,
            stdin=script + "\n",
        )
        assert chat.returncode == 0, chat.stderr
        assert "Traceback" not in chat.stderr
        output = chat.stdout
        assert "Open petitions" in output
        assert "To sign, please confirm your phone number once." in output
        assert "Your phone number is confirmed." in output
        signed = re.search(r"Your signature under petition No\. (\d+) is counted", output)
        assert signed is not None, output
        petition_id = int(signed.group(1))
        assert petition_id in before

        after = {pid: await _signature_count(client, pid) for pid in ids}
        assert after[petition_id] == before[petition_id] + 1
        assert {pid: n for pid, n in after.items() if pid != petition_id} == {
            pid: n for pid, n in before.items() if pid != petition_id
        }
    finally:
        await client.close()
        await database.dispose()
