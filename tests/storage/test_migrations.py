"""Migrations on fresh databases: up, down, up again, and a schema equal to the models."""

from __future__ import annotations

import ast
import asyncio
import configparser
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.db import create_engine
from storage.migrate import MIGRATIONS_DIR, downgrade, upgrade
from storage.models import Base
from tests.e2e_support import fresh_postgres_database

ROOT = Path(__file__).resolve().parents[2]
MODEL_TABLES = set(Base.metadata.tables)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_backend(request: pytest.FixtureRequest) -> str | None:
    """The backend to migrate, with the session's PostgreSQL server URL when it is that."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def fresh_url(fresh_backend: str | None, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database that no migration has touched yet, on each backend."""
    if fresh_backend is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    async with fresh_postgres_database(fresh_backend) as url:
        yield url


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def _run(url: str, check: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(check)
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade(fresh_url: str) -> None:
    """Head, then base, then head again works and leaves exactly the models' tables."""
    await asyncio.to_thread(upgrade, fresh_url, "head")
    assert await _run(fresh_url, _tables) == MODEL_TABLES | {"alembic_version"}
    await asyncio.to_thread(downgrade, fresh_url, "base")
    assert await _run(fresh_url, _tables) <= {"alembic_version"}
    await asyncio.to_thread(upgrade, fresh_url, "head")
    assert await _run(fresh_url, _tables) == MODEL_TABLES | {"alembic_version"}


async def test_migrated_schema_matches_models(fresh_url: str) -> None:
    """Autogenerate finds no difference between the migrated schema and the models."""
    before = await _run(fresh_url, _differences)
    assert {diff[1].name for diff in before if diff[0] == "add_table"} == MODEL_TABLES
    await asyncio.to_thread(upgrade, fresh_url, "head")
    assert await _run(fresh_url, _differences) == []


def test_alembic_ini_holds_no_credentials() -> None:
    """alembic.ini names no database URL, user or password: the URL comes from settings."""
    text = (ROOT / "alembic.ini").read_text()
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    options = {key for section in parser.sections() for key in parser[section]}
    assert "sqlalchemy.url" not in options
    assert not {key for key in options if "password" in key or "user" in key}
    assert not re.search(r"\w+://[^\s/]*@", text), "a URL with credentials"
    assert not re.search(r"(postgresql|sqlite)(\+\w+)?://", text), "a database URL"


def test_migrations_are_static() -> None:
    """Migration scripts import only Alembic and SQLAlchemy, never the application's code."""
    scripts = sorted((MIGRATIONS_DIR / "versions").glob("*.py"))
    assert scripts
    allowed = ("__future__", "alembic", "sqlalchemy")
    for script in scripts:
        tree = ast.parse(script.read_text(), filename=str(script))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] in allowed, f"{script.name} imports {name}"
