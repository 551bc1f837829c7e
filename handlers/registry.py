"""Every feature router, joined once for all channels."""

from __future__ import annotations

from handlers import (
    authority_directory,
    common,
    information_requests,
    petition_create,
    petitions,
    profile,
    verification,
)
from handlers.router import Router


def all_routers() -> list[Router]:
    return [
        common.router,
        verification.router,
        petitions.router,
        petition_create.router,
        profile.router,
        information_requests.router,
        authority_directory.router,
    ]
