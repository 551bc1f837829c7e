"""Draining an outbox (notices, mail) in ``serve``: send what is due, then wait."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def drain_forever(
    run_once: Callable[[], Awaitable[int]], interval_seconds: float, what: str
) -> None:
    """Call ``run_once`` until it sends nothing (a full batch may have more behind it),
    then sleep; a failure is logged and retried after the interval."""
    while True:
        try:
            while await run_once():
                pass
        except Exception:
            log.exception("sending %s failed; retrying in %s s", what, interval_seconds)
        await asyncio.sleep(interval_seconds)


async def run_logged(step: Callable[[], Awaitable[object]], what: str) -> None:
    """Run ``step`` once; a failure is logged, not raised (the loop goes on)."""
    try:
        await step()
    except Exception:
        log.exception("%s failed", what)
