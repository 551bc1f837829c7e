"""/notifications: what reaches me besides my own affairs (announcements, quiet hours),
and the broadcast as the citizen sees it, with a one-tap stop under it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from civic.preferences import Preferences
from handlers.common import back_to_menu
from handlers.context import Context
from handlers.notification_payloads import NotificationSettings, SetAnnouncements, SetQuietHours
from handlers.replies import Button, Reply
from handlers.router import Router
from handlers.texts import Texts
from storage.models import Notice
from storage.outbox_models import Broadcast

router = Router("notifications")
router.profile_entry(50, lambda t: t._("🔔 Notifications"), NotificationSettings())


@router.command("notifications", description=lambda t: t._("What reaches me, and when"), order=85)
async def notifications_command(ctx: Context, _payload: str) -> None:
    await settings(ctx, NotificationSettings())


@router.button(NotificationSettings)
async def settings(ctx: Context, _press: NotificationSettings) -> None:
    ctx.state.leave()
    t = ctx.t
    preference = await Preferences(ctx.session).of(ctx.citizen.id, ctx.now)
    lines = [
        t._("Notifications"),
        "",
        t._(
            "News about your own petitions, requests and ballots always comes. "
            "Here you choose the rest."
        ),
        t._("Announcements from the authorities: {state}").format(
            state=t._("on") if preference.announcements else t._("off")
        ),
        t._("Quiet hours (announcements wait until morning): {state}").format(
            state=t._("on") if preference.quiet_hours else t._("off")
        ),
    ]
    rows = [
        [
            Button(t._("🔕 Stop announcements"), SetAnnouncements(False))
            if preference.announcements
            else Button(t._("🔔 Receive announcements"), SetAnnouncements(True))
        ],
        [
            Button(t._("🌙 Announcements at any hour"), SetQuietHours(False))
            if preference.quiet_hours
            else Button(t._("🌙 Keep quiet hours"), SetQuietHours(True))
        ],
        [back_to_menu(t)],
    ]
    ctx.reply("\n".join(lines), rows)


@router.button(SetAnnouncements)
async def set_announcements(ctx: Context, press: SetAnnouncements) -> None:
    await Preferences(ctx.session).set_announcements(ctx.citizen.id, press.on, ctx.now)
    t = ctx.t
    if press.on:
        ctx.reply(t._("🔔 Announcements are on again."))
    else:
        ctx.reply(
            t._(
                "🔕 Done: no more announcements. News about your own petitions and "
                "requests still comes."
            )
        )
    await settings(ctx, NotificationSettings())


@router.button(SetQuietHours)
async def set_quiet_hours(ctx: Context, press: SetQuietHours) -> None:
    await Preferences(ctx.session).set_quiet_hours(ctx.citizen.id, press.on, ctx.now)
    await settings(ctx, NotificationSettings())


async def render_broadcast(session: AsyncSession, notice: Notice, t: Texts) -> list[Reply] | None:
    """The announcement in the citizen's language (else Ukrainian), with the stop button."""
    broadcast = await session.get(Broadcast, notice.subject_id)
    if broadcast is None:
        return None
    text = broadcast.texts.get(t.locale) or broadcast.texts["uk"]
    rows = [[Button(t._("🔕 Stop these announcements"), SetAnnouncements(False))]]
    return [Reply(text=text, buttons=rows)]
