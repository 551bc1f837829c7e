"""The declared modules, checked and joined into what each piece of shared machinery needs.

Start-up refuses (``ModuleConflict``, naming both modules) two modules that claim the same
command, button prefix, text step, deep-link kind, hook, notice kind, mail kind, fan-out
audience, scheduled step name or API path, and a module name used twice: one module
silently shadowing another is a bug nobody would see until a citizen pressed the wrong
button.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.admin.contract import AdminViews
from bot.modules.contract import Module
from bot.web.routes import ApiRoute
from civic.demo import DemoStep
from civic.fan_outs import Audience as FanOutAudience
from civic.merge import MergeStep
from civic.schedule import ScheduledStep
from handlers.outbox import MailRenderer, NoticeRenderer
from handlers.routing import ChatRoutes, ClaimConflict, Owned, claim


class ModuleConflict(ClaimConflict):
    """Two modules claim the same name in a shared table."""


class Modules:
    """The modules in their declared order (the order of the menu, the welcome text, the
    scheduled steps, the merge and the demo content), checked for conflicts."""

    def __init__(self, modules: Sequence[Module]) -> None:
        self.modules = tuple(modules)
        notices: dict[str, NoticeRenderer] = {}
        mails: dict[str, MailRenderer] = {}
        fan_outs: dict[str, FanOutAudience] = {}
        names: dict[str, str] = {}
        steps: dict[str, ScheduledStep] = {}
        paths: dict[str, ApiRoute] = {}
        admin_pages: dict[str, object] = {}
        owners: dict[str, dict[str, str]] = {
            what: {} for what in ("module", "notice", "mail", "fan-out", "step", "path", "admin")
        }
        try:
            for module in self.modules:
                name = module.name
                claim(names, owners["module"], "module name", [(name, name)], name, repr)
                claim(notices, owners["notice"], "notice kind", module.notices.items(), name, repr)
                claim(mails, owners["mail"], "mail kind", module.mails.items(), name, repr)
                audiences = module.fan_outs.items()
                claim(fan_outs, owners["fan-out"], "fan-out audience", audiences, name, repr)
                named_steps = [(step.name, step) for step in module.scheduled]
                claim(steps, owners["step"], "scheduled step", named_steps, name, repr)
                routes = [(route.full_path, route) for route in module.api]
                claim(paths, owners["path"], "API path", routes, name, str)
                admin_routes = [
                    (f"{route.method} /admin{route.path}", route)
                    for route in (module.admin.routes if module.admin else ())
                ]
                claim(admin_pages, owners["admin"], "admin route", admin_routes, name, str)
            # The chat routes are joined now too: start-up fails, not the first event.
            self.chat_routes = ChatRoutes.join(
                [Owned(module.name, router) for module in self.modules for router in module.routers]
            )
        except ClaimConflict as conflict:
            raise ModuleConflict(str(conflict)) from None
        self.notice_renderers: Mapping[str, NoticeRenderer] = notices
        self.mail_renderers: Mapping[str, MailRenderer] = mails
        self.fan_out_audiences: Mapping[str, FanOutAudience] = fan_outs
        self.scheduled_steps: list[ScheduledStep] = list(steps.values())
        self.api_routes: list[ApiRoute] = list(paths.values())
        self.merge_steps: list[MergeStep] = [m.merge for m in self.modules if m.merge is not None]
        self.demo_steps: list[DemoStep] = [m.demo for m in self.modules if m.demo is not None]
        self.admin_views: list[AdminViews] = [m.admin for m in self.modules if m.admin]

    def with_module(self, module: Module) -> Modules:
        """These modules and one more (tests add a module of their own this way)."""
        return Modules([*self.modules, module])
