"""E-polls' tables (issue 11): filled in by the polls module."""

from __future__ import annotations

__all__: list[str] = []
