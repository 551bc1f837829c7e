"""``vzayemodiia broadcast``: the audience per messenger, a refusal without ``--yes`` when
nobody can confirm, and the progress followed to one summary line while a worker sends."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from civic.clock import FixedClock, SystemClock
from civic.preferences import Preferences
from storage import repositories as repo
from storage.db import Database
from storage.official_models import AuditEntry
from tests.cli_support import clean_env, run_cli
from tests.conftest import TEST_SECRET
from tests.outbox_support import RecordingPusher, worker

pytestmark = pytest.mark.slow


async def _citizens(database: Database, clock: FixedClock) -> None:
    """Three on Telegram (one opted out), two on Viber."""
    async with database.transaction() as session:
        for number in range(3):
            await repo.lock_account(session, "telegram", f"t{number}", "uk", clock.now())
        for number in range(2):
            await repo.lock_account(session, "viber", f"v{number}", "en", clock.now())
        opted = await repo.lock_account(session, "telegram", "t0", "uk", clock.now())
        await Preferences(session).set_announcements(opted.citizen_id, False, clock.now())


async def _sent_by_the_command(
    database: Database, database_url: str, tmp_path: Path, *more: str
) -> tuple[list[str], RecordingPusher, RecordingPusher]:
    """``vzayemodiia broadcast … --yes`` run while a worker sends; its output lines."""
    env = clean_env(VZ_DATABASE_URL=database_url, VZ_SECRET_KEY=TEST_SECRET)
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot", "broadcast", "--text", "Вимкнення води завтра"),
        *("--text-en", "Water off tomorrow", "--yes", *more),
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    telegram, viber = RecordingPusher("telegram"), RecordingPusher("viber")
    # The command queues for the real time, so the worker reads the real clock too.
    sender = worker(database, SystemClock(), telegram, viber)
    communicate = asyncio.ensure_future(process.communicate())
    while not communicate.done():
        await sender.run_once()
        await asyncio.sleep(0.2)
    stdout, stderr = (part.decode() for part in communicate.result())
    assert process.returncode == 0, stderr
    return stdout.strip().splitlines(), telegram, viber


async def test_a_broadcast_is_followed_to_its_summary(
    database: Database, database_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    """With ``--yes`` it prints the audience, queues the broadcast (audited), follows a
    worker's delivery in lines, and ends with the summary and exit 0."""
    await _citizens(database, clock)
    lines, _telegram, viber = await _sent_by_the_command(database, database_url, tmp_path)
    assert lines[0] == "Audience: telegram 2, viber 2 (4 in all)."
    assert lines[1].startswith("Broadcast ")
    assert lines[1].endswith(" queued; the workers send it.")
    assert lines[-1] == "sent 4, unreachable 0, failed 0, opted out 1"
    assert sorted(text for _chat, text, _b in viber.sent) == ["Water off tomorrow"] * 2
    async with database.transaction() as session:
        [entry] = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "broadcast_create"))
        ).all()
    assert entry.official_email == "command line"
    assert entry.after is not None
    assert entry.after["low_priority"] is False


async def test_a_low_priority_broadcast_ends_when_only_the_digests_wait(
    database: Database, database_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    """With ``--low-priority`` the citizen who chose the daily digest is not sent it now:
    the command ends once the rest is sent, saying how many go with tonight's digests."""
    await _citizens(database, clock)
    async with database.transaction() as session:
        reader = await repo.lock_account(session, "viber", "v1", "en", clock.now())
        await Preferences(session).set_digest(reader.citizen_id, True, clock.now())
    lines, telegram, viber = await _sent_by_the_command(
        database, database_url, tmp_path, "--low-priority"
    )
    assert lines[-1] == "sent 3, unreachable 0, failed 0, opted out 1; 1 go with tonight's digests"
    assert sorted(telegram.chats() + viber.chats()) == ["t1", "t2", "v0"]


async def test_without_yes_and_no_terminal_nothing_is_queued(
    database: Database, database_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    """Nobody can confirm on a pipe: it says to add --yes, exits 1 and queues nothing."""
    await _citizens(database, clock)
    env = clean_env(VZ_DATABASE_URL=database_url, VZ_SECRET_KEY=TEST_SECRET)
    result = run_cli("broadcast", "--text", "Вимкнення води завтра", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "add --yes" in result.stderr
    async with database.transaction() as session:
        assert (await session.scalars(select(AuditEntry))).all() == []


async def test_a_text_too_short_is_refused_in_one_line(
    database: Database, database_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    """A one-letter text: one line naming --text, exit 1."""
    await _citizens(database, clock)
    env = clean_env(VZ_DATABASE_URL=database_url, VZ_SECRET_KEY=TEST_SECRET)
    result = run_cli("broadcast", "--text", "!", "--yes", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("vzayemodiia: --text:")
