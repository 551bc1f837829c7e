"""A module whose one command fails deterministically in the database: its statement
breaks a foreign key (no such petition), the same on every delivery. Tests register it to
see what a deterministic failure does to an event."""

from __future__ import annotations

from sqlalchemy import text

from bot.modules import Module
from handlers.context import Context
from handlers.router import Router

router = Router("broken")


@router.command("broken")
async def broken(ctx: Context, _payload: str) -> None:
    ctx.reply("this reply is never sent: the event fails after it")
    await ctx.session.execute(
        text(
            "INSERT INTO signature (petition_id, citizen_id, channel, signed_at) "
            "VALUES (987654321, 987654321, 'test', '2026-11-27 10:00:00')"
        )
    )


BROKEN = Module(name="broken", routers=(router,))
