"""The directory of authorities: search and browse in chat, cards with contacts, open
data with request statistics, the demo authorities."""

from __future__ import annotations

from bot.admin import directory as admin_views
from bot.modules.contract import Module
from bot.web import authorities_api
from civic.authority_demo import seed_authorities
from handlers import authority_directory

MODULE = Module(
    name="directory",
    routers=(authority_directory.router,),
    api=authorities_api.ROUTES,
    demo=seed_authorities,
    admin=admin_views.VIEWS,
)
