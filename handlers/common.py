"""Commands every channel has: /start (with deep links), /help, /cancel, /language, /menu.

Also the core's hooks: what to say to unknown commands, stale buttons, over-long text and
anything we did not understand. Never silence.
"""

from __future__ import annotations

from civic.petitions import BODY_RULE
from handlers.context import Context
from handlers.replies import Button
from handlers.router import Hook, Router
from handlers.texts import Texts
from handlers.verification import ask_for_phone
from locales.catalog import SUPPORTED_LOCALES

router = Router("common")

LANGUAGE_NAMES = {"uk": "Українська", "en": "English"}


def show_menu(ctx: Context, lead: str | None = None) -> None:
    t = ctx.t
    text = lead + "\n\n" if lead else ""
    text += t._("Main menu. Choose a section (tap a button or type its number):")
    ctx.reply(text, ctx.main_menu_buttons())


def back_to_menu(t: Texts) -> Button:
    return Button(t._("🏠 Main menu"), "menu")


@router.command("start")
async def start(ctx: Context, payload: str) -> None:
    ctx.state.leave()
    if payload:
        if await ctx.open_deep_link(payload):
            return
        show_menu(ctx, ctx.t._("This link is not valid or what it pointed to no longer exists."))
        return
    t = ctx.t
    show_menu(
        ctx,
        t._(
            "Welcome to VzayemoDiia! Here you can sign and create e-petitions "
            "addressed to public authorities.\n"
            "Type /help at any time to see what I understand."
        ),
    )


@router.command("menu")
async def menu_command(ctx: Context, _payload: str) -> None:
    ctx.state.leave()
    show_menu(ctx)


@router.button("menu")
async def menu_button(ctx: Context, _args: list[str]) -> None:
    ctx.state.leave()
    show_menu(ctx)


@router.command("help")
async def help_command(ctx: Context, _payload: str) -> None:
    t = ctx.t
    ctx.reply(
        t._(
            "How to talk to me:\n"
            "• Tap a button, or type its number (1, 2, 3…) or its name.\n"
            "• /menu: the main menu\n"
            "• /cancel: stop what you are doing (nothing half-finished is kept)\n"
            "• /language: Українська or English\n"
            "• /help: this message\n\n"
            "Signing a petition needs your phone number confirmed once, "
            "with the \u201c📱 Share my phone number\u201d button. "
            "We keep only a protected fingerprint of it, never the number itself."
        ),
        [[back_to_menu(t)]],
    )


@router.command("cancel")
async def cancel_command(ctx: Context, _payload: str) -> None:
    await cancel(ctx, [])


@router.button("cancel")
async def cancel(ctx: Context, _args: list[str]) -> None:
    was_busy = ctx.state.flow is not None or ctx.state.resume is not None
    ctx.state.leave()
    ctx.state.resume = None
    t = ctx.t
    show_menu(ctx, t._("Cancelled. Nothing was saved.") if was_busy else t._("Nothing to cancel."))


@router.command("language")
async def language_command(ctx: Context, _payload: str) -> None:
    buttons = [[Button(LANGUAGE_NAMES[code], f"lang:{code}")] for code in SUPPORTED_LOCALES]
    ctx.reply(ctx.t._("Choose your language:"), buttons)


@router.button("lang")
async def choose_language(ctx: Context, args: list[str]) -> None:
    if not args or args[0] not in SUPPORTED_LOCALES:
        await language_command(ctx, "")
        return
    ctx.account.locale = args[0]
    show_menu(
        ctx, ctx.t._("Language changed: {language}.").format(language=LANGUAGE_NAMES[args[0]])
    )


@router.hook(Hook.FALLBACK)
async def not_understood(ctx: Context, _text: str) -> None:
    t = ctx.t
    if ctx.state.resume is not None:
        ask_for_phone(ctx, t._("I did not understand that."))
        return
    if ctx.state.choices:
        hint = t._(
            "I did not understand that. Type the number of one of the choices above, or /help."
        )
        ctx.reply(hint, [[Button(label, payload)] for label, payload in ctx.state.choices])
        return
    show_menu(ctx, t._("I did not understand that. Type /help to see what I can do."))


@router.hook(Hook.UNKNOWN_COMMAND)
async def unknown_command(ctx: Context, name: str) -> None:
    t = ctx.t
    unknown = t._("I do not know the command /{name}. Type /help for the list.").format(
        name=name[:32]
    )
    if ctx.state.flow is None:
        show_menu(ctx, unknown)
        return
    # In the middle of a flow: say so, and keep what the citizen has typed so far.
    ctx.reply(
        unknown + "\n" + t._("You can go on where you were, or type /cancel to stop."),
        [[Button(label, payload)] for label, payload in ctx.state.choices],
    )


@router.hook(Hook.STALE_BUTTON)
async def stale_button(ctx: Context, _payload: str) -> None:
    ctx.state.leave()
    show_menu(ctx, ctx.t._("That button is no longer valid. Here is the main menu."))


@router.hook(Hook.TOO_LONG)
async def too_long(ctx: Context, _payload: str) -> None:
    t = ctx.t
    ctx.reply(
        t.ngettext(
            "That message is too long for me: nothing was saved. "
            "A petition's text may have at most {max} character.",
            "That message is too long for me: nothing was saved. "
            "A petition's text may have at most {max} characters.",
            BODY_RULE.max_chars,
        ).format(max=t.number(BODY_RULE.max_chars)),
        [[back_to_menu(t)]],
    )
