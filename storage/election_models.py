"""Public council elections' tables (issue 11): filled in by the elections module."""

from __future__ import annotations

__all__: list[str] = []
