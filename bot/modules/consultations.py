"""E-consultations on draft acts: reading, supporting, objecting and commenting in chat,
flags and moderation, the authority's report told to every participant, open data, the
demo consultation."""

from __future__ import annotations

from bot.admin import consultations as admin_views
from bot.modules.contract import Module
from bot.web import consultations_api
from civic import consultations as rules
from civic.consultation_demo import seed_consultation
from handlers import consultations

MODULE = Module(
    name="consultations",
    routers=(consultations.router,),
    notices=consultations.NOTICE_RENDERERS,
    fan_outs={rules.PARTICIPANTS: rules.participants},
    merge=rules.merge_step,
    api=consultations_api.ROUTES,
    demo=seed_consultation,
    admin=admin_views.VIEWS,
)
