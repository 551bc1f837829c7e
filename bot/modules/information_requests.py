"""Requests for public information: filing and following them in chat, the notices and
e-mails their changes owe, the overdue sweep and reminders, requests following a merged
citizen."""

from __future__ import annotations

from bot.admin import requests as admin_views
from bot.modules.contract import Module
from civic import information_requests as rules
from civic.schedule import ScheduledStep
from handlers import information_requests
from handlers.request_mail import MAIL_RENDERERS
from handlers.request_notices import NOTICE_RENDERERS

MODULE = Module(
    name="information_requests",
    routers=(information_requests.router,),
    notices=NOTICE_RENDERERS,
    mails=MAIL_RENDERERS,
    scheduled=(ScheduledStep("information requests", rules.overdue_step),),
    merge=rules.merge_step,
    admin=admin_views.VIEWS,
)
