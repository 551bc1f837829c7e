"""A toy participation module, declared inside the test suite: a community garden where
citizens water trees. It adds one of everything a module can add (a chat route with a
typed payload, a command for the menus, a deep link, a main-menu and a profile entry, a
welcome line, a notice kind with its renderer, a mail kind, a scheduled step, a merge step
and an open-data route), and records what the shared machinery did with it.

Registering it is ``product_modules().with_module(garden_module())``: nothing else changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.modules import Module
from bot.web.routes import ApiCall, ApiRoute, ApiTag
from civic.outbox import owe_notice
from civic.schedule import ScheduledStep
from handlers.context import Context
from handlers.outbox import Letter
from handlers.payloads import Id, Payload
from handlers.replies import Button, Reply
from handlers.router import Router
from handlers.texts import Texts
from storage.models import Mail, Notice

WATERED = "garden_watered"


@dataclass(frozen=True)
class WaterTree(Payload, prefix="tw"):
    tree_id: Id


@dataclass(frozen=True)
class Garden(Payload, prefix="tg"):
    pass


@dataclass
class GardenBook:
    """What the toy module saw: waterings (citizen, tree), merges, scheduled runs."""

    waterings: list[tuple[int, int]] = field(default_factory=list)
    merges: list[tuple[int, int]] = field(default_factory=list)
    runs: list[datetime] = field(default_factory=list)
    told: set[tuple[int, int]] = field(default_factory=set)


class TreeView(BaseModel):
    id: int
    waterings: int


class TreeList(BaseModel):
    items: list[TreeView]
    next: str | None


def garden_module(book: GardenBook, name: str = "garden") -> Module:
    router = Router(name, intro=lambda t: "water the trees of the community garden")
    router.menu_entry(50, lambda t: "🌳 Garden", Garden())
    router.profile_entry(50, lambda t: "🌳 My trees", Garden())

    @router.command("garden", description=lambda t: "The community garden", order=50)
    async def garden_command(ctx: Context, _payload: str) -> None:
        await show_garden(ctx, Garden())

    @router.button(Garden)
    async def show_garden(ctx: Context, _press: Garden) -> None:
        ctx.reply("The garden has trees 1 to 3.", [[Button("Water tree 3", WaterTree(3))]])

    @router.button(WaterTree)
    async def water(ctx: Context, press: WaterTree) -> None:
        book.waterings.append((ctx.citizen.id, press.tree_id))
        ctx.reply(f"You watered tree {press.tree_id}.")

    @router.deep_link("tree")
    async def open_tree(ctx: Context, tree_id: int) -> None:
        ctx.reply(f"Tree {tree_id}", [[Button("Water it", WaterTree(tree_id))]])

    async def tell_waterers(session: AsyncSession, now: datetime) -> Mapping[str, int]:
        book.runs.append(now)
        fresh = [pair for pair in book.waterings if pair not in book.told]
        for citizen_id, tree_id in fresh:
            owe_notice(
                session,
                citizen_id=citizen_id,
                channel="console",
                kind=WATERED,
                subject_id=tree_id,
                now=now,
            )
            book.told.add((citizen_id, tree_id))
        return {"trees watered": len(fresh)}

    async def merge(session: AsyncSession, source_id: int, target_id: int) -> None:
        book.merges.append((source_id, target_id))
        book.waterings = [
            (target_id if citizen == source_id else citizen, tree)
            for citizen, tree in book.waterings
        ]

    async def render_watered(session: AsyncSession, notice: Notice, t: Texts) -> list[Reply]:
        return [Reply(f"Tree {notice.subject_id} thanks you for the water.")]

    async def render_mail(session: AsyncSession, mail: Mail, t: Texts) -> Letter:
        return Letter("Garden news", f"Tree {mail.subject_id} is growing.")

    async def list_trees(call: ApiCall) -> TreeList:
        counts: dict[int, int] = {}
        for _citizen, tree in book.waterings:
            counts[tree] = counts.get(tree, 0) + 1
        items = [TreeView(id=tree, waterings=n) for tree, n in sorted(counts.items())]
        return TreeList(items=items, next=None)

    return Module(
        name=name,
        routers=(router,),
        notices={WATERED: render_watered},
        mails={"garden_news": render_mail},
        scheduled=(ScheduledStep("garden", tell_waterers),),
        merge=merge,
        api=(
            ApiRoute(
                path="/garden/trees",
                operation_id="listTrees",
                tag=ApiTag("garden", "The community garden."),
                summary="Trees and how often they were watered",
                description="Every tree that was watered at least once.",
                response=TreeList,
                handler=list_trees,
            ),
        ),
    )
