"""What the outbox tests share: a messenger that records, citizens with accounts, a
broadcast, the product's worker draining the outbox, and fan-outs expanded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.channels.base import Pusher, PushOutcome, PushResult
from bot.modules import product_modules
from bot.notifier import Notifier
from bot.sending_limits import SendingLimits
from civic.broadcasts import Audience, BroadcastDraft, Broadcasts
from civic.clock import Clock
from civic.fan_outs import FanOuts
from civic.quiet_hours import QuietHours
from handlers.replies import Reply
from storage import repositories as repo
from storage.db import Database
from storage.outbox_models import FanOut

KYIV = ZoneInfo("Europe/Kyiv")
FAST = 1000.0


@dataclass
class RecordingPusher:
    """A messenger that records what it was asked to send and answers from a script
    (then ``DELIVERED``): ``sent`` holds (chat, first text, whether a broadcast) of each
    delivered push, ``texts`` every text of it."""

    name: str
    script: list[PushResult] = field(default_factory=list)
    sent: list[tuple[str, str, bool]] = field(default_factory=list)
    texts: list[tuple[str, list[str]]] = field(default_factory=list)

    async def push(
        self, external_id: str, replies: Sequence[Reply], *, broadcast: bool = False
    ) -> PushResult:
        result = self.script.pop(0) if self.script else PushOutcome.DELIVERED
        if result is PushOutcome.DELIVERED:
            self.sent.append((external_id, replies[0].text, broadcast))
            self.texts.append((external_id, [reply.text for reply in replies]))
        return result

    def chats(self) -> list[str]:
        return [external for external, _text, _broadcast in self.sent]


async def add_citizens(
    database: Database, now: datetime, channel: str, count: int, locale: str = "uk"
) -> list[int]:
    """``count`` citizens with one account each on ``channel`` (chat ids
    ``{channel}-{locale}-{n}``); their citizen ids."""
    ids = []
    async with database.transaction() as session:
        for number in range(count):
            account = await repo.lock_account(
                session, channel, f"{channel}-{locale}-{number}", locale, now
            )
            ids.append(account.citizen_id)
    return ids


async def queue_broadcast(
    database: Database,
    now: datetime,
    audience: Audience | None = None,
    *,
    low_priority: bool = False,
    **texts: str,
) -> int:
    """A broadcast due now (by default to everyone, in two languages); its id."""
    async with database.transaction() as session:
        made = await Broadcasts(session).create(
            BroadcastDraft(
                texts or {"uk": "Увага: зміни в русі транспорту", "en": "Notice"},
                audience or Audience(),
                low_priority=low_priority,
            ),
            official_id=None,
            created_by="test",
            send_at=now,
            now=now,
        )
        return made.id


def worker(
    database: Database,
    clock: Clock,
    *pushers: Pusher,
    limits: SendingLimits | None = None,
    quiet: QuietHours | None = None,
) -> Notifier:
    """The worker as ``serve`` builds it (the product's renderers and fan-outs), with fast
    limits unless told otherwise."""
    modules = product_modules()
    return Notifier(
        database,
        clock,
        list(pushers),
        KYIV,
        modules.notice_renderers,
        limits=limits or SendingLimits(dict.fromkeys((p.name for p in pushers), FAST)),
        quiet=quiet,
        fan_outs=modules.fan_out_audiences,
    )


async def drain(worker: Notifier) -> None:
    """Run passes until one finds nothing to do."""
    while await worker.run_once():
        pass


async def expand_fan_outs(database: Database, now: datetime) -> int:
    """Expand every waiting fan-out into its notices, as the worker does (without sending
    anything); how many notices were added."""
    audiences = product_modules().fan_out_audiences
    added = 0
    async with database.transaction() as session:
        waiting = await FanOuts(session, audiences).waiting()
    for fan_out_id in waiting:
        while True:
            async with database.transaction() as session:
                fan_out = await session.get(FanOut, fan_out_id)
                assert fan_out is not None
                step = await FanOuts(session, audiences).expand_step(fan_out, now)
            added += step
            if not step:
                break
    return added
