"""E-petitions: browse, sign, share and create in chat; the scheduled sweep; signatures
and authored petitions follow a merged citizen; open data; demo petitions."""

from __future__ import annotations

from bot.admin import petitions as admin_views
from bot.modules.contract import Module
from bot.web import petitions_api
from civic import petitions as rules
from civic.petition_demo import seed_petitions
from civic.schedule import ScheduledStep
from handlers import petition_create, petitions
from handlers.petition_notices import NOTICE_RENDERERS

MODULE = Module(
    name="petitions",
    routers=(petitions.router, petition_create.router),
    notices=NOTICE_RENDERERS,
    fan_outs={rules.SIGNERS: rules.signers},
    scheduled=(ScheduledStep("petitions", rules.sweep_step),),
    merge=rules.merge_step,
    api=petitions_api.ROUTES,
    demo=seed_petitions,
    admin=admin_views.VIEWS,
)
