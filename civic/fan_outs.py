"""An event's message to many citizens about their own affairs: a petition's answer to
every signer, later an election's result to every voter.

The event's transaction writes one ``fan_out`` row (``owe_fan_out``), however many the
recipients; the delivery worker expands it into one notice per recipient, a batch at a
time, ordered by a key the module's audience gives each recipient, with the cursor moved
in the same transaction as the notices it adds. So the official's "answer" is one short
transaction even for a million signers, memory stays flat, expansion resumes after a
crash and adds nobody twice. The notices are a citizen's own: no quiet hours, no opt-out,
and a notice whose messenger is unreachable moves to the citizen's other one.

A module declares its audiences by name (``Module.fan_outs``); each is a query of the
recipients of one subject with three labelled columns: ``key`` (an integer unique within
the subject), ``citizen_id`` and ``channel`` (the messenger to prefer).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import JSON, Select, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.outbox import NOTICE_COLUMNS
from storage.models import Notice
from storage.outbox_models import FanOut
from storage.types import UTCDateTime

# Recipients per step: one statement each, bounded memory and a short transaction.
EXPAND_BATCH = 5000

# The recipients of one subject: ``key``, ``citizen_id``, ``channel`` (see above).
Audience = Callable[[int], Select[int, int, str]]


class UnknownAudience(LookupError):
    """A fan-out names an audience no module declares (a module was removed?)."""


def owe_fan_out(
    session: AsyncSession, *, audience: str, kind: str, subject_id: int, now: datetime
) -> None:
    """Owe a notice of ``kind`` about ``subject_id`` to each of ``audience``."""
    session.add(
        FanOut(
            created_at=now,
            audience=audience,
            kind=kind,
            subject_id=subject_id,
            expand_cursor=0,
            expanded=0,
        )
    )


class FanOuts:
    def __init__(self, session: AsyncSession, audiences: Mapping[str, Audience]) -> None:
        self.session = session
        self.audiences = audiences

    async def waiting(self) -> list[int]:
        """The fan-outs not fully expanded, oldest first."""
        statement = select(FanOut.id).where(FanOut.expanded_at.is_(None)).order_by(FanOut.id)
        return list(await self.session.scalars(statement))

    async def expand_step(self, fan_out: FanOut, now: datetime, batch: int = EXPAND_BATCH) -> int:
        """Add the notices of the next ``batch`` recipients; how many (0: it is done)."""
        audience = self.audiences.get(fan_out.audience)
        if audience is None:
            raise UnknownAudience(fan_out.audience)
        everyone = audience(fan_out.subject_id).subquery()
        window = (
            select(everyone)
            .where(everyone.c.key > fan_out.expand_cursor)
            .order_by(everyone.c.key)
            .limit(batch)
            .subquery()
        )
        count, last_key = (
            await self.session.execute(select(func.count(), func.max(window.c.key)))
        ).one()
        if not count:
            fan_out.expanded_at = now
            return 0
        await self.session.execute(
            insert(Notice).from_select(
                NOTICE_COLUMNS,
                select(
                    window.c.citizen_id,
                    window.c.channel,
                    literal(fan_out.kind),
                    literal(fan_out.subject_id),
                    literal({}, JSON),
                    literal(now, UTCDateTime()),
                    literal(now, UTCDateTime()),
                    literal(0),
                ),
            )
        )
        fan_out.expand_cursor = int(last_key)
        fan_out.expanded += int(count)
        return int(count)
