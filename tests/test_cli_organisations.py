"""The real `vzayemodiia organisations import/export` commands, as a subprocess on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_support import clean_env, run_cli

pytestmark = pytest.mark.slow

GOOD = (
    "name,edrpou,region,contacts,registered_on,verified\n"
    'ГО «Чисте місто»,14360570,Київ,"info@chyste.example.org, +380 44 000 0000",2018-04-02,yes\n'
    "БФ «Нові крила»,00032129,,,,no\n"
)
BAD = "name,edrpou\nГО «Добра»,14360571\nГО «Друга»,123\n"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A clean environment pointing at a freshly migrated SQLite database."""
    settings = clean_env(VZ_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    migrated = run_cli("migrate", env=settings, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    return settings


def test_import_then_export_then_import_again(tmp_path: Path, env: dict[str, str]) -> None:
    """import adds both organisations; export writes them with ids and yes/no; importing
    the export changes nothing."""
    (tmp_path / "in.csv").write_text(GOOD, encoding="utf-8")
    imported = run_cli("organisations", "import", "in.csv", env=env, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "Imported organisations: 2 created, 0 updated, 0 unchanged." in imported.stdout
    exported = run_cli("organisations", "export", "out.csv", env=env, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "Exported 2 organisations to out.csv." in exported.stdout
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,name,edrpou,region,contacts,registered_on,verified"
    assert lines[1].endswith(",2018-04-02,yes")
    again = run_cli("organisations", "import", "out.csv", env=env, cwd=tmp_path)
    assert "0 created, 0 updated, 2 unchanged" in again.stdout


def test_a_bad_file_is_refused_line_by_line(tmp_path: Path, env: dict[str, str]) -> None:
    """Each problem on its own line naming the file, line and column; exit 1; nothing in."""
    (tmp_path / "bad.csv").write_text(BAD, encoding="utf-8")
    refused = run_cli("organisations", "import", "bad.csv", env=env, cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        "bad.csv: line 2, column edrpou: '14360571' is not a valid EDRPOU code: "
        "its last digit does not check",
        "bad.csv: line 3, column edrpou: '123' is not an EDRPOU code of eight digits",
        "Nothing was imported: 2 errors.",
    ]
    exported = run_cli("organisations", "export", "-", env=env, cwd=tmp_path)
    assert exported.stdout.splitlines() == ["id,name,edrpou,region,contacts,registered_on,verified"]
