"""Public council elections: voting in chat with one ballot per citizen and a receipt,
the count and the published lists anyone can recount, open data, the result told to
every voter, the demo election."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin import elections as admin_views
from bot.modules.contract import Module
from bot.web import elections_api
from civic import elections as rules
from civic.election_demo import seed_election
from civic.schedule import ScheduledStep
from handlers import elections


async def count_ended(session: AsyncSession, now: datetime) -> Mapping[str, int]:
    return {"elections counted": await rules.Elections(session).count_due(now)}


MODULE = Module(
    name="elections",
    routers=(elections.router,),
    notices=elections.NOTICE_RENDERERS,
    fan_outs={rules.VOTERS: rules.voters},
    scheduled=(ScheduledStep("elections", count_ended),),
    merge=rules.merge_step,
    api=elections_api.ROUTES,
    demo=seed_election,
    admin=admin_views.VIEWS,
)
