"""The participation modules of the product, in order. Adding a module is its own files
and one line here (see ``bot.modules.contract``)."""

from __future__ import annotations

from bot.modules import (
    consultations,
    core,
    directory,
    elections,
    information_requests,
    notifications,
    organisations,
    petitions,
    polls,
    profile,
)
from bot.modules.contract import Module
from bot.modules.registry import ModuleConflict, Modules

MODULES: tuple[Module, ...] = (
    core.MODULE,
    directory.MODULE,  # before petitions: the demo petitions need the demo authorities
    organisations.MODULE,
    petitions.MODULE,
    information_requests.MODULE,
    polls.MODULE,
    elections.MODULE,
    consultations.MODULE,
    profile.MODULE,
    notifications.MODULE,
)


def product_modules() -> Modules:
    return Modules(MODULES)


__all__ = ["MODULES", "Module", "ModuleConflict", "Modules", "product_modules"]
