"""Commands every channel has: /start (with deep links), /help, /cancel, /language, /menu.

Also the core's hooks: what to say to unknown commands, stale buttons, over-long text,
failures and anything we did not understand. Never silence. The welcome text, the help
and the main menu are made from what the modules declare, so a new module appears in
them without an edit here.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.core_payloads import Cancel, ChooseLanguage, Language, LanguageChoices, MainMenu
from handlers.events import MAX_INPUT_CHARS
from handlers.replies import Button
from handlers.router import Hook, Router
from handlers.texts import Texts
from handlers.verification import ask_for_phone

router = Router("common")

LANGUAGE_NAMES = {Language.UK: "Українська", Language.EN: "English"}


def show_menu(ctx: Context, lead: str | None = None) -> None:
    t = ctx.t
    text = lead + "\n\n" if lead else ""
    text += t._("Main menu. Choose a section (tap a button or type its number):")
    ctx.reply(text, ctx.main_menu_buttons())


def back_to_menu(t: Texts) -> Button:
    return Button(t._("🏠 Main menu"), MainMenu())


def welcome(ctx: Context) -> str:
    t = ctx.t
    lines = [t._("Welcome to VzayemoDiia! Here you can:")]
    lines += ["• " + intro(t) for intro in ctx.routes.intros]
    lines.append(t._("Type /help at any time to see what I understand."))
    return "\n".join(lines)


@router.command("start", description=lambda t: t._("Start: welcome and the main menu"), order=0)
async def start(ctx: Context, payload: str) -> None:
    ctx.state.leave()
    if payload:
        if await ctx.open_deep_link(payload):
            return
        show_menu(ctx, ctx.t._("This link is not valid or what it pointed to no longer exists."))
        return
    show_menu(ctx, welcome(ctx))


@router.command("menu", description=lambda t: t._("Main menu"), order=1)
async def menu_command(ctx: Context, _payload: str) -> None:
    ctx.state.leave()
    show_menu(ctx)


@router.button(MainMenu)
async def menu_button(ctx: Context, _press: MainMenu) -> None:
    ctx.state.leave()
    show_menu(ctx)


@router.command("help", description=lambda t: t._("What I understand"), order=1000)
async def help_command(ctx: Context, _payload: str) -> None:
    t = ctx.t
    commands = [f"/{name}: {description}" for name, description in ctx.routes.command_menu(t)]
    ctx.reply(
        t._(
            "How to talk to me:\n"
            "• Tap a button, or type its number (1, 2, 3…) or its name.\n"
            "• Or type a command:"
        )
        + "\n"
        + "\n".join(commands)
        + "\n\n"
        + t._(
            "Signing a petition and voting need your phone number confirmed once, "
            "with the \u201c📱 Share my phone number\u201d button. "
            "We keep only a protected fingerprint of it, never the number itself."
        ),
        [[back_to_menu(t)]],
    )


@router.command("cancel", description=lambda t: t._("Stop what you are doing"), order=990)
async def cancel_command(ctx: Context, _payload: str) -> None:
    await cancel(ctx, Cancel())


@router.button(Cancel)
async def cancel(ctx: Context, _press: Cancel) -> None:
    was_busy = ctx.state.flow is not None or ctx.state.resume is not None
    ctx.state.leave()
    ctx.state.resume = None
    t = ctx.t
    show_menu(ctx, t._("Cancelled. Nothing was saved.") if was_busy else t._("Nothing to cancel."))


@router.command("language", description=lambda t: t._("Change the language"), order=980)
async def language_command(ctx: Context, _payload: str) -> None:
    await languages(ctx, LanguageChoices())


@router.button(LanguageChoices)
async def languages(ctx: Context, _press: LanguageChoices) -> None:
    buttons = [[Button(LANGUAGE_NAMES[code], ChooseLanguage(code))] for code in Language]
    ctx.reply(ctx.t._("Choose your language:"), buttons)


@router.button(ChooseLanguage)
async def choose_language(ctx: Context, press: ChooseLanguage) -> None:
    ctx.account.locale = press.language.value
    show_menu(
        ctx,
        ctx.t._("Language changed: {language}.").format(language=LANGUAGE_NAMES[press.language]),
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
        ctx.reply(hint, [[Button.raw(label, payload)] for label, payload in ctx.state.choices])
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
        [[Button.raw(label, payload)] for label, payload in ctx.state.choices],
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
            "A message may have at most {max} character.",
            "That message is too long for me: nothing was saved. "
            "A message may have at most {max} characters.",
            MAX_INPUT_CHARS,
        ).format(max=t.number(MAX_INPUT_CHARS)),
        [[back_to_menu(t)]],
    )


@router.hook(Hook.FAILED)
async def failed(ctx: Context, _payload: str) -> None:
    show_menu(
        ctx,
        ctx.t._("Sorry, something went wrong on our side and nothing was saved. Please try again."),
    )
