"""The module contract: what a participation module adds to the shared machinery.

A module (petitions, information requests, the directory, later polls, elections,
consultations) brings its own pieces, one file or package in each layer: its chat flow in
``handlers/``, its rules in ``civic/``, its tables and queries in ``storage/``, its open
data in ``bot/web/``. Its declaration here names those pieces; the core, the scheduler,
the notifier, the mailer, the merge of citizens, the API and its OpenAPI document, the
command menu and the welcome text are all built by iterating over the declared modules
(``bot.modules.registry``). Adding a module is its own files plus one line in the list in
``bot/modules/__init__.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.admin.contract import AdminViews
from bot.web.routes import ApiRoute
from civic.demo import DemoStep
from civic.fan_outs import Audience as FanOutAudience
from civic.merge import MergeStep
from civic.schedule import ScheduledStep
from handlers.outbox import MailRenderer, NoticeRenderer
from handlers.router import Router


@dataclass(frozen=True)
class Module:
    """One participation module's declaration.

    - ``routers``: its chat routes (commands with their menu lines, buttons with their
      payload codecs, text steps, deep links, main-menu and profile entries, the line it
      adds to the welcome text);
    - ``notices`` / ``mails``: the outbox kinds it writes, each with its renderer;
    - ``fan_outs``: its audiences for one notice to many (a petition's signers), by name,
      each a query of the recipients that the delivery worker expands in batches
      (``civic.fan_outs``);
    - ``scheduled``: steps to run as time passes;
    - ``merge``: what happens to its rows when two citizens turn out to be one person (a
      module whose tables name a citizen must have one);
    - ``api``: its open-data routes with their response models;
    - ``demo``: its demo content for ``seed-demo`` and ``demo``;
    - ``admin``: its pages and actions in the admin web, its navigation entries and its
      panels on the dashboard (``bot.admin.contract``).
    """

    name: str
    routers: Sequence[Router] = ()
    notices: Mapping[str, NoticeRenderer] = field(default_factory=dict)
    mails: Mapping[str, MailRenderer] = field(default_factory=dict)
    fan_outs: Mapping[str, FanOutAudience] = field(default_factory=dict)
    scheduled: Sequence[ScheduledStep] = ()
    merge: MergeStep | None = None
    api: Sequence[ApiRoute] = ()
    demo: DemoStep | None = None
    admin: AdminViews | None = None
