"""Reserved for the e-polls tables (issue 11); empty until the polls module lands."""

from __future__ import annotations

__all__: list[str] = []
