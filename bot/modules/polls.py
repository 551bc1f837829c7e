"""E-polls: answering in chat with one answer per citizen, changing it where allowed,
results as text bars and a chart where the poll lets them be shown, the audience told
when a poll opens, open data, the admin views, the demo poll."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin import polls as admin_views
from bot.modules.contract import Module
from bot.web import polls_api
from civic import polls as rules
from civic.poll_demo import seed_poll
from civic.schedule import ScheduledStep
from handlers import polls


async def announce_opened(session: AsyncSession, now: datetime) -> Mapping[str, int]:
    return {"polls announced": await rules.Polls(session).announce_opened(now)}


MODULE = Module(
    name="polls",
    routers=(polls.router,),
    notices=polls.NOTICE_RENDERERS,
    scheduled=(ScheduledStep("polls", announce_opened),),
    merge=rules.merge_step,
    api=polls_api.ROUTES,
    demo=seed_poll,
    admin=admin_views.VIEWS,
)
