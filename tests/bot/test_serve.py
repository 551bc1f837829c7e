"""`vzayemodiia serve` as a real process: health, the API, refusing an old schema."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.cli_support import free_port, run_cli

pytestmark = pytest.mark.slow


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VZ_")}
    env.update(
        VZ_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'serve.sqlite3'}",
        VZ_SECRET_KEY="serve-test-secret-key-123",
        VZ_HTTP_PORT=str(port),
    )
    return env


def _get(url: str) -> tuple[int, dict[str, object]]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback URL
        return int(response.status), json.loads(response.read())


def _wait_until_listening(port: int, process: subprocess.Popen[str]) -> None:
    for _ in range(400):
        if process.poll() is not None:
            raise AssertionError(f"serve exited early: {process.communicate()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.05)
            continue
        return
    raise AssertionError("serve did not start listening")


def test_serve_answers_health_and_api_and_stops_on_sigterm(tmp_path: Path) -> None:
    """A migrated, seeded database is served: /healthz 200, petitions listed, clean SIGTERM."""
    port = free_port()
    env = _env(tmp_path, port)
    assert run_cli("migrate", env=env, cwd=tmp_path).returncode == 0
    assert run_cli("seed-demo", env=env, cwd=tmp_path).returncode == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_listening(port, process)
        status, health = _get(f"http://127.0.0.1:{port}/healthz")
        assert (status, health) == (200, {"status": "ok"})
        status, listing = _get(f"http://127.0.0.1:{port}/api/v1/petitions")
        assert status == 200
        assert isinstance(listing["items"], list)
        assert len(listing["items"]) == 3
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    """On a database without the schema, serve exits non-zero with one line saying what to do."""
    result = run_cli("serve", env=_env(tmp_path, free_port()), cwd=tmp_path)
    assert result.returncode != 0
    assert "vzayemodiia migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_worker_role_serves_no_http_and_stops_on_sigterm(tmp_path: Path) -> None:
    """`serve --role worker` says it is a worker, listens on no port (the web role
    does), and stops cleanly on SIGTERM."""
    port = free_port()
    env = _env(tmp_path, port)
    assert run_cli("migrate", env=env, cwd=tmp_path).returncode == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--role", "worker"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        assert first_line.startswith("Worker: scheduled steps and the outbox")
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
