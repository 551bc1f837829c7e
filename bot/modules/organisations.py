"""The stakeholder base: civil-society organisations (admin screens, the CSV file both
ways, open data, the demo organisations), the nominators of council candidates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin import organisations as admin_views
from bot.modules.contract import Module
from bot.web import organisations_api
from civic.organisation_demo import ensure_demo_organisations


async def seed_organisations(session: AsyncSession, now: datetime) -> Mapping[str, int]:
    _all, added = await ensure_demo_organisations(session, now)
    return {"organisations": added}


MODULE = Module(
    name="organisations",
    api=organisations_api.ROUTES,
    demo=seed_organisations,
    admin=admin_views.VIEWS,
)
