"""The real `vzayemodiia authorities import/export` commands, as a subprocess on SQLite."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest

from civic.authority_directory import COLUMNS
from tests.cli_support import clean_env, run_cli

pytestmark = pytest.mark.slow

HEADER = ",".join(COLUMNS)
# Already in the export's own form (E.164 phones, canonical columns), so the export of
# the imported file must equal it apart from the ids.
GOOD = (
    f"{HEADER}\n"
    ',Верховна Рада України,Verkhovna Rada of Ukraine,national,,"вул. Грушевського, 5",'
    "+380442553050,petitions@rada.gov.ua,https://www.rada.gov.ua,,25000,3,,,\n"
    ',"Рада ""Громади""",Community Council,local,Вінницька область,,,,,,300,,30,30,10\n'
)
BAD = (
    f"{HEADER}\n"
    ",Нова рада,New Council,federal,,,,,,,300,,30,,\n"
    ",Ще одна рада,Another Council,local,,,,not-an-email,,,300,3,30,,\n"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A clean environment pointing at a freshly migrated SQLite database."""
    settings = clean_env(VZ_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    migrated = run_cli("migrate", env=settings, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    return settings


def export_to_stdout(env: dict[str, str], cwd: Path) -> str:
    result = run_cli("authorities", "export", "-", env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def rows_without_ids(text: str) -> list[dict[str, str]]:
    return [
        {key: value for key, value in line.items() if key != "id"}
        for line in csv.DictReader(io.StringIO(text, newline=""))
    ]


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr


def test_import_then_export_gives_the_file_back(tmp_path: Path, env: dict[str, str]) -> None:
    """import creates the rows; export writes them back with ids; re-importing it is a no-op."""
    source = tmp_path / "authorities.csv"
    source.write_text(GOOD, encoding="utf-8")
    imported = run_cli("authorities", "import", str(source), env=env, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "Imported authorities: 2 created, 0 updated, 0 unchanged."
    assert_clean(imported)

    target = tmp_path / "exported.csv"
    exported = run_cli("authorities", "export", str(target), env=env, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.strip() == f"Exported 2 authorities to {target}."
    text = target.read_bytes().decode("utf-8")
    assert text.splitlines()[0] == HEADER
    assert rows_without_ids(text) == rows_without_ids(GOOD)
    assert all(line["id"] for line in csv.DictReader(io.StringIO(text, newline="")))
    assert export_to_stdout(env, tmp_path) == text

    again = run_cli("authorities", "import", str(target), env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "Imported authorities: 0 created, 0 updated, 2 unchanged."
    assert export_to_stdout(env, tmp_path) == text


def test_bad_file_lists_every_error_and_writes_nothing(tmp_path: Path, env: dict[str, str]) -> None:
    """A file with bad rows exits 1, lists each error by line on stderr, changes nothing."""
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert run_cli("authorities", "import", str(good), env=env, cwd=tmp_path).returncode == 0
    before = export_to_stdout(env, tmp_path)

    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    result = run_cli("authorities", "import", str(bad), env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert_clean(result)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines == [
        f"{bad}: line 2, column level: unknown level 'federal'; allowed: national, regional, local",
        f"{bad}: line 3, column request_email: 'not-an-email' is not an e-mail address",
        f"{bad}: line 3, column petition_period_months: both petition_period_months and "
        "petition_period_days are set; set exactly one of them",
        "Nothing was imported: 3 errors.",
    ]
    assert export_to_stdout(env, tmp_path) == before


def test_missing_file_is_one_line_naming_it(tmp_path: Path, env: dict[str, str]) -> None:
    """import of a file that does not exist exits 2 with one line naming the file."""
    missing = tmp_path / "nowhere.csv"
    result = run_cli("authorities", "import", str(missing), env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert_clean(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert str(missing) in lines[0]
