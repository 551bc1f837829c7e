"""Dependencies point one way: channels → handlers → civic → storage, never back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package: the top-level modules it must not import (itself or below)
FORBIDDEN = {
    "handlers": ("aiogram", "aiohttp", "bot"),
    "civic": ("aiogram", "aiohttp", "bot", "handlers"),
    "storage": ("aiogram", "aiohttp", "bot", "civic", "handlers"),
}


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``, relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            found.append((node.lineno, base))
            # `from bot import web` names the submodule too.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def violations(package: str) -> list[str]:
    banned = FORBIDDEN[package]
    problems = []
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT)
        module = ".".join(relative.with_suffix("").parts)
        is_package = path.name == "__init__.py"
        if is_package:
            module = module.rpartition(".")[0]
        for line, name in imported_modules(path.read_text(), module, is_package):
            if name.split(".")[0] in banned:
                problems.append(f"{relative}:{line} imports {name}")
    return problems


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package: str) -> None:
    """handlers and civic use no web or messenger code; storage knows no layer above it."""
    assert list((ROOT / package).rglob("*.py")), f"no Python files under {package}/"
    problems = violations(package)
    assert not problems, "forbidden imports:\n" + "\n".join(problems)


def test_checker_sees_every_kind_of_import() -> None:
    """The checker finds plain, from-, nested and relative imports (so it cannot pass idly)."""
    source = (
        "import aiohttp.web\n"
        "from bot.web import api\n"
        "def f():\n"
        "    import handlers.core\n"
        "from . import sibling\n"
        "from ..models import Base\n"
    )
    names = {name for _, name in imported_modules(source, "storage.migrations.env", False)}
    assert {"aiohttp.web", "bot.web", "bot.web.api", "handlers.core"} <= names
    assert {"storage.migrations.sibling", "storage.models"} <= names
