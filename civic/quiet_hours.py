"""Quiet hours: when broadcasts and other news wait, so that nobody is woken by an
announcement. A citizen's own affairs (their petition, request, ballot) never wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        """Whether ``moment`` falls in the quiet hours in ``zone`` (which may span midnight)."""
        local = moment.astimezone(zone).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def quiet_window(text: str) -> QuietHours:
    """``"22:00-08:00"``; ValueError for anything else."""
    first, _, second = text.strip().partition("-")
    start, end = time.fromisoformat(first.strip()), time.fromisoformat(second.strip())
    if start == end:
        raise ValueError("the quiet hours start and end at the same time")
    return QuietHours(start, end)
