"""Scheduled steps: work a module needs done as time passes (closing expired petitions,
telling citizens that a request is overdue), run by ``serve`` every interval and by
``vzayemodiia tick`` for cron.

A module declares its steps; the scheduler runs each in a transaction of its own, so one
failing step neither undoes nor holds up the others.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

# What a step did, for the log and ``tick``: {"closed": 2, "awaiting an answer": 1}.
StepReport = Mapping[str, int]


@dataclass(frozen=True, slots=True)
class ScheduledStep:
    name: str
    run: Callable[[AsyncSession, datetime], Awaitable[StepReport]]
