"""`vzayemodiia demo` in one command: SQLite under ./var, demo content, API, chat."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_support import free_port

pytestmark = pytest.mark.slow


def test_demo_runs_on_the_embedded_default(tmp_path: Path) -> None:
    """With no settings, demo makes ./var, seeds content, prints the API URL and chats."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VZ_")}
    env["VZ_HTTP_PORT"] = str(port)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        input="1\n/quit\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"http://127.0.0.1:{port}/api/v1/petitions" in result.stdout
    assert "3 petitions, 1 polls, 1 elections and 1 consultations added" in result.stdout
    assert (tmp_path / "var" / "vzayemodiia.sqlite3").exists()
    secret = tmp_path / "var" / "secret_key"
    assert secret.stat().st_mode & 0o077 == 0, "the demo's secret key is readable by others"
    # The chat answered the typed "1" (Petitions) with the list of open petitions.
    assert "297 / 300" in result.stdout
    assert "Traceback" not in result.stderr
