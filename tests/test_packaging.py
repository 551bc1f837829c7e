"""The package's metadata, read as the build reads it."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from setuptools.config.pyprojecttoml import apply_configuration
from setuptools.dist import Distribution

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_builds_without_deprecation_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """setuptools applies pyproject.toml without a warning (the licence is an SPDX string,
    not the deprecated table), so `pip install .` prints none."""
    monkeypatch.chdir(ROOT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        distribution = apply_configuration(Distribution(), ROOT / "pyproject.toml")
    assert distribution.metadata.license_expression == "EUPL-1.2"
