"""E-consultations on draft acts: reading, supporting, objecting and commenting in chat,
flags and moderation, the authority's report told to every participant, open data, the
demo consultation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin import consultations as admin_views
from bot.modules.contract import Module
from bot.web import consultations_api
from civic import consultations as rules
from civic.consultation_demo import seed_consultation
from civic.schedule import ScheduledStep
from handlers import consultations


async def announce_opened(session: AsyncSession, now: datetime) -> Mapping[str, int]:
    return {"consultations announced": await rules.Consultations(session).announce_opened(now)}


MODULE = Module(
    name="consultations",
    routers=(consultations.router,),
    notices=consultations.NOTICE_RENDERERS,
    fan_outs={rules.PARTICIPANTS: rules.participants},
    scheduled=(ScheduledStep("consultations", announce_opened),),
    merge=rules.merge_step,
    api=consultations_api.ROUTES,
    demo=seed_consultation,
    admin=admin_views.VIEWS,
)
