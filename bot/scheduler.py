"""Running the modules' scheduled steps (``civic.schedule``): each in a transaction of its
own, so one failing step neither undoes nor holds up the others."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from civic.clock import Clock
from civic.schedule import ScheduledStep, StepReport
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StepOutcome:
    name: str
    report: StepReport | None  # None: the step failed (logged), nothing it did was kept

    def summary(self) -> str:
        if self.report is None:
            return f"{self.name}: failed (see the log)"
        counts = ", ".join(f"{count} {what}" for what, count in self.report.items())
        return f"{self.name}: {counts or 'nothing to do'}"


async def run_scheduled_once(
    database: Database, clock: Clock, steps: Sequence[ScheduledStep]
) -> list[StepOutcome]:
    outcomes = []
    for step in steps:
        try:
            async with database.transaction() as session:
                report = await step.run(session, clock.now())
        except Exception:
            log.exception("scheduled step %r failed; the others go on", step.name)
            outcomes.append(StepOutcome(step.name, None))
            continue
        if any(report.values()):
            log.info("scheduled step %s", StepOutcome(step.name, report).summary())
        outcomes.append(StepOutcome(step.name, report))
    return outcomes


async def run_forever(
    database: Database, clock: Clock, steps: Sequence[ScheduledStep], interval_seconds: float
) -> None:
    """Run the steps every interval; a failure is logged and retried at the next tick."""
    while True:
        await run_scheduled_once(database, clock, steps)
        await asyncio.sleep(interval_seconds)
