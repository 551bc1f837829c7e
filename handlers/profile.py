"""My profile: language, confirmed phone, messengers, my petitions and my signatures."""

from __future__ import annotations

from handlers import petition_views as views
from handlers.common import LANGUAGE_NAMES, back_to_menu
from handlers.context import Context
from handlers.replies import Button
from handlers.router import Router

router = Router("profile")
router.menu_entry(90, lambda t: t._("👤 My profile"), "me")


@router.command("profile")
async def profile_command(ctx: Context, _payload: str) -> None:
    await profile(ctx, [])


@router.button("me")
async def profile(ctx: Context, _args: list[str]) -> None:
    ctx.state.leave()
    t = ctx.t
    citizen = ctx.citizen
    channels = await ctx.citizens.channels_of(citizen.id)
    if citizen.phone_hash is not None:
        phone = t._("confirmed, ending in {hint}").format(hint=citizen.phone_hint or "??")
    else:
        phone = t._("not confirmed")
    lines = [
        t._("My profile"),
        "",
        t._("Language: {language}").format(language=LANGUAGE_NAMES[ctx.account.locale]),
        t._("Phone number: {state}").format(state=phone),
        t._("Messengers: {names}").format(
            names=", ".join(views.channel_name(t, channel) for channel in channels)
        ),
    ]
    rows = [
        [Button(t._("📝 My petitions"), "mep"), Button(t._("✍ My signatures"), "mes")],
    ]
    if citizen.phone_hash is None:
        rows.append([Button(t._("📱 Confirm my phone number"), "phone")])
    rows.append([Button(t._("🌐 Language"), "langs"), back_to_menu(t)])
    ctx.reply("\n".join(lines), rows)


@router.button("langs")
async def languages(ctx: Context, _args: list[str]) -> None:
    buttons = [[Button(name, f"lang:{code}")] for code, name in LANGUAGE_NAMES.items()]
    ctx.reply(ctx.t._("Choose your language:"), buttons)


@router.button("mep")
async def my_petitions(ctx: Context, _args: list[str]) -> None:
    t = ctx.t
    mine = await ctx.petitions.authored_by(ctx.citizen.id)
    if not mine:
        text = t._("You have not created any petitions yet.")
    else:
        text = "\n".join(
            [t._("My petitions:"), ""]
            + [views.petition_summary_line(t, v.petition, v.signature_count) for v in mine]
        )
    rows = [[Button(views.shorten(v.petition.title, 40), f"pv:{v.petition.id}")] for v in mine]
    rows.append([Button(t._("✍ Create a petition"), "pn"), Button(t._("👤 My profile"), "me")])
    ctx.reply(text, rows)


@router.button("mes")
async def my_signatures(ctx: Context, _args: list[str]) -> None:
    t = ctx.t
    signed = await ctx.petitions.signed_by(ctx.citizen.id)
    if not signed:
        text = t._("You have not signed any petitions yet.")
    else:
        lines = [t._("Petitions I signed:"), ""]
        for item in signed:
            lines.append(
                t._("{date}, via {channel}: No. {id} {title} ({status})").format(
                    date=t.date(item.signed_at),
                    channel=views.channel_name(t, item.channel),
                    id=item.petition.id,
                    title=views.shorten(item.petition.title, 60),
                    status=views.status_label(t, item.petition.status),
                )
            )
        text = "\n".join(lines)
    rows = [[Button(views.shorten(s.petition.title, 40), f"pv:{s.petition.id}")] for s in signed]
    rows.append([Button(t._("👤 My profile"), "me"), back_to_menu(t)])
    ctx.reply(text, rows)
