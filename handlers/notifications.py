"""/notifications: what reaches me besides my own affairs (announcements, quiet hours),
and the broadcast as the citizen sees it, with a one-tap stop under it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from civic.preferences import TOPICS, Preferences
from handlers.common import back_to_menu
from handlers.context import Context
from handlers.notification_payloads import (
    ChooseRegion,
    NotificationSettings,
    RegionChoices,
    SetAnnouncements,
    SetDigest,
    SetQuietHours,
    ToggleTopic,
    TopicChoices,
)
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
    preferences = Preferences(ctx.session)
    preference = await preferences.of(ctx.citizen.id, ctx.now)
    followed = await preferences.topics(ctx.citizen.id)
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
        t._("Less urgent announcements once a day, in one message: {state}").format(
            state=t._("on") if preference.digest else t._("off")
        ),
        t._("Topics I follow: {topics}").format(
            topics=", ".join(topic_label(t, topic) for topic in followed) or t._("none")
        ),
        t._("My region: {region}").format(region=preference.region or t._("not chosen")),
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
        [
            Button(t._("📰 Single messages instead of the daily digest"), SetDigest(False))
            if preference.digest
            else Button(t._("📰 Less urgent news in a daily digest"), SetDigest(True))
        ],
        [
            Button(t._("🏷 Topics"), TopicChoices()),
            Button(t._("📍 Region"), RegionChoices()),
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


@router.button(SetDigest)
async def set_digest(ctx: Context, press: SetDigest) -> None:
    await Preferences(ctx.session).set_digest(ctx.citizen.id, press.on, ctx.now)
    await settings(ctx, NotificationSettings())


def topic_label(t: Texts, topic: str) -> str:
    labels = {
        "transport": t._("public transport"),
        "roads": t._("roads and repairs"),
        "utilities": t._("water, heating, electricity"),
        "ecology": t._("environment"),
        "education": t._("schools and kindergartens"),
        "health": t._("health care"),
        "safety": t._("safety and civil defence"),
        "culture": t._("culture and sport"),
    }
    return labels.get(topic, topic)


@router.button(TopicChoices)
async def topic_choices(ctx: Context, _press: TopicChoices) -> None:
    t = ctx.t
    followed = set(await Preferences(ctx.session).topics(ctx.citizen.id))
    rows = [
        [Button(("✅ " if topic in followed else "▫️ ") + topic_label(t, topic), ToggleTopic(i))]
        for i, topic in enumerate(TOPICS)
    ]
    rows.append([Button(t._("⬅️ Back"), NotificationSettings())])
    ctx.reply(t._("Announcements on the topics you follow reach you. Tap one to change it."), rows)


@router.button(ToggleTopic)
async def toggle_topic(ctx: Context, press: ToggleTopic) -> None:
    # The index comes from a button: a stale or forged one names no topic.
    if press.index >= len(TOPICS):
        await topic_choices(ctx, TopicChoices())
        return
    await Preferences(ctx.session).toggle_topic(ctx.citizen.id, TOPICS[press.index], ctx.now)
    await topic_choices(ctx, TopicChoices())


@router.button(RegionChoices)
async def region_choices(ctx: Context, _press: RegionChoices) -> None:
    t = ctx.t
    regions = await Preferences(ctx.session).regions()
    buttons = [Button(region, ChooseRegion(i + 1)) for i, region in enumerate(regions)]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button(t._("No region"), ChooseRegion(0))])
    rows.append([Button(t._("⬅️ Back"), NotificationSettings())])
    ctx.reply(t._("Announcements for a region reach the citizens who chose it."), rows)


@router.button(ChooseRegion)
async def choose_region(ctx: Context, press: ChooseRegion) -> None:
    regions = await Preferences(ctx.session).regions()
    if press.index > len(regions):
        await region_choices(ctx, RegionChoices())
        return
    region = regions[press.index - 1] if press.index else None
    await Preferences(ctx.session).set_region(ctx.citizen.id, region, ctx.now)
    await settings(ctx, NotificationSettings())


async def render_broadcast(session: AsyncSession, notice: Notice, t: Texts) -> list[Reply] | None:
    """The announcement in the citizen's language (else Ukrainian), with the stop button."""
    broadcast = await session.get(Broadcast, notice.subject_id)
    if broadcast is None:
        return None
    text = broadcast.texts.get(t.locale) or broadcast.texts["uk"]
    rows = [[Button(t._("🔕 Stop these announcements"), SetAnnouncements(False))]]
    return [Reply(text=text, buttons=rows)]


# Telegram's limit for one message, less room for the header.
DIGEST_MESSAGE_CHARS = 4000
DIGEST_SEPARATOR = "\n\n— — —\n\n"


def digest_replies(texts: Sequence[str], t: Texts) -> list[Reply]:
    """The held announcements' texts in one message (more when they do not fit in one),
    under a header in the citizen's language, with the buttons to stop them or to have
    them one by one."""
    header = t.ngettext(
        "📰 Your daily digest: %(num)d announcement",
        "📰 Your daily digest: %(num)d announcements",
        len(texts),
    ) % {"num": len(texts)}
    messages = [header]
    for text in texts:
        joined = messages[-1] + DIGEST_SEPARATOR + text
        if len(joined) <= DIGEST_MESSAGE_CHARS:
            messages[-1] = joined
        else:
            messages.append(text)
    rows_of_buttons = [
        [Button(t._("📰 Single messages instead of the daily digest"), SetDigest(False))],
        [Button(t._("🔕 Stop these announcements"), SetAnnouncements(False))],
    ]
    replies = [Reply(text) for text in messages[:-1]]
    return [*replies, Reply(messages[-1], rows_of_buttons)]
