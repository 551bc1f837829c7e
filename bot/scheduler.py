"""Scheduled steps: closing expired petitions, marking those that reached the threshold,
and telling citizens whose information requests are overdue."""

from __future__ import annotations

import asyncio
import logging

from civic.clock import Clock
from civic.information_requests import InformationRequests
from civic.petitions import Petitions, SweepReport
from storage.db import Database

log = logging.getLogger(__name__)


async def run_scheduled_once(database: Database, clock: Clock) -> SweepReport:
    async with database.transaction() as session:
        report = await Petitions(session).sweep(clock.now())
    async with database.transaction() as session:
        requests = InformationRequests(session)
        overdue = await requests.sweep(clock.now())
        reminded = await requests.remind_officials(clock.now())
    if overdue or reminded:
        log.info(
            "information requests: %d newly overdue, %d authorities reminded",
            len(overdue),
            len(reminded),
        )
    if report.closed or report.awaiting_answer:
        log.info(
            "petition sweep: %d closed, %d awaiting an answer",
            report.closed,
            report.awaiting_answer,
        )
    return report


async def run_forever(database: Database, clock: Clock, interval_seconds: float) -> None:
    """Run the steps every interval; a failure is logged and retried at the next tick."""
    while True:
        try:
            await run_scheduled_once(database, clock)
        except Exception:
            log.exception("scheduled step failed; retrying in %s s", interval_seconds)
        await asyncio.sleep(interval_seconds)
