"""My profile: language, confirmed phone, messengers, and what the modules keep for me."""

from __future__ import annotations

from handlers import petition_views as views
from handlers.common import LANGUAGE_NAMES, back_to_menu
from handlers.context import Context
from handlers.core_payloads import ConfirmPhone, Language, LanguageChoices
from handlers.profile_payloads import Profile
from handlers.replies import Button
from handlers.router import Router

router = Router("profile")
router.menu_entry(90, lambda t: t._("👤 My profile"), Profile())


@router.command("profile", description=lambda t: t._("My profile and what I did"), order=90)
async def profile_command(ctx: Context, _payload: str) -> None:
    await profile(ctx, Profile())


@router.button(Profile)
async def profile(ctx: Context, _press: Profile) -> None:
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
        t._("Language: {language}").format(language=LANGUAGE_NAMES[Language(ctx.account.locale)]),
        t._("Phone number: {state}").format(state=phone),
        t._("Messengers: {names}").format(
            names=", ".join(views.channel_name(t, channel) for channel in channels)
        ),
    ]
    # What the modules keep for the citizen (my petitions, my requests...), two a row.
    entries = [Button(entry.label(t), entry.press) for entry in ctx.routes.profile]
    rows = [entries[index : index + 2] for index in range(0, len(entries), 2)]
    if citizen.phone_hash is None:
        rows.append([Button(t._("📱 Confirm my phone number"), ConfirmPhone())])
    rows.append([Button(t._("🌐 Language"), LanguageChoices()), back_to_menu(t)])
    ctx.reply("\n".join(lines), rows)
