"""Confirming a citizen's phone through the messenger, then resuming what they were doing."""

from __future__ import annotations

from civic.citizens import VerifyOutcome
from handlers.context import Context
from handlers.core_payloads import Cancel, ConfirmPhone
from handlers.events import ContactShared
from handlers.replies import Button
from handlers.router import Hook, Router

router = Router("verification")


def ask_for_phone(ctx: Context, lead: str) -> None:
    t = ctx.t
    ctx.reply(
        lead
        + "\n\n"
        + t._(
            "Tap \u201cShare my phone number\u201d below. The messenger sends us the number "
            "it has verified; we keep only a protected fingerprint of it and its last two "
            "digits, so that you are one person on every messenger. Typing a number "
            "does not count."
        ),
        [[Button(t._("Cancel"), Cancel())]],
        request_phone=t._("📱 Share my phone number"),
    )


@router.button(ConfirmPhone)
async def phone_button(ctx: Context, _press: ConfirmPhone) -> None:
    ask_for_phone(ctx, ctx.t._("Confirm your phone number."))


@router.hook(Hook.CONTACT)
async def contact_shared(ctx: Context, _arg: str) -> None:
    body = ctx.event.body
    assert isinstance(body, ContactShared)
    t = ctx.t
    result = await ctx.citizens.verify_phone(
        ctx.account, body.phone, is_own=body.is_own, now=ctx.now
    )
    outcome = result.outcome
    if outcome is VerifyOutcome.NOT_OWN:
        ask_for_phone(ctx, t._("That is someone else's contact. Please share your own number."))
        return
    if outcome is VerifyOutcome.INVALID:
        ask_for_phone(ctx, t._("That does not look like a valid phone number."))
        return
    if outcome is VerifyOutcome.OTHER_PHONE:
        ctx.state.resume = None
        ctx.reply(
            t._(
                "This account is already confirmed with another number, ending in {hint}. "
                "It stays as it is."
            ).format(hint=result.citizen.phone_hint or "??"),
            ctx.main_menu_buttons(),
        )
        return
    messages = {
        VerifyOutcome.VERIFIED: t._("✅ Your phone number is confirmed."),
        VerifyOutcome.ALREADY_VERIFIED: t._("Your phone number was already confirmed."),
        VerifyOutcome.JOINED: t._(
            "✅ Your phone number is confirmed. We know you from another messenger: "
            "your signatures and petitions are shared between them."
        ),
    }
    resume, ctx.state.resume = ctx.state.resume, None
    if resume:
        ctx.reply(messages[outcome])
        ctx.follow_up = resume
    else:
        ctx.reply(messages[outcome], ctx.main_menu_buttons())
