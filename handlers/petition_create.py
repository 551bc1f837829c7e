"""Creating a petition: authority, title, text, author's name, review, submit to moderation."""

from __future__ import annotations

import enum

from civic.authorities import Authorities
from civic.petitions import (
    AUTHOR_NAME_RULE,
    BODY_RULE,
    MODERATION_WORKING_DAYS,
    TITLE_RULE,
    PetitionDraft,
    PetitionError,
    Petitions,
)
from civic.text import TextProblem
from handlers import petition_views as views
from handlers.context import Context
from handlers.flow_support import accept_text, cancel_row, offer_authorities
from handlers.flows import Flow, Gathered
from handlers.petition_payloads import MyPetitions, NewPetition, PetitionAuthority, SubmitPetition
from handlers.replies import Button
from handlers.router import Router
from handlers.verification import ask_for_phone
from storage.models import Authority

router = Router("petition_create")


class Step(enum.StrEnum):
    AUTHORITY = "authority"
    TITLE = "title"
    BODY = "body"
    AUTHOR = "author"
    REVIEW = "review"


class Draft(Gathered):
    """What the citizen has typed so far; complete once at the review."""

    authority_id: int | None = None
    title: str | None = None
    body: str | None = None
    author_name: str | None = None

    def complete(self) -> PetitionDraft | None:
        if None in (self.authority_id, self.title, self.body, self.author_name):
            return None
        assert self.authority_id is not None
        return PetitionDraft(
            self.authority_id, str(self.title), str(self.body), str(self.author_name)
        )


FLOW = Flow("new_petition", Step, Draft)


@router.command("newpetition", description=lambda t: t._("Create an e-petition"), order=11)
async def new_petition_command(ctx: Context, _payload: str) -> None:
    await start(ctx, NewPetition())


@router.button(NewPetition)
async def start(ctx: Context, press: NewPetition) -> None:
    if ctx.needs_verification("create_petition"):
        ctx.state.resume = press.pack()
        ask_for_phone(ctx, ctx.t._("To create a petition, please confirm your phone number."))
        return
    FLOW.go(ctx.state, Step.AUTHORITY, Draft())
    await _offer_authorities(ctx, "")


async def _offer_authorities(ctx: Context, query: str) -> None:
    t = ctx.t

    def line(number: int, name: str, authority: Authority) -> str:
        return t.ngettext(
            "{number}. {name}: {threshold} signature needed",
            "{number}. {name}: {threshold} signatures needed",
            authority.petition_threshold,
        ).format(number=number, name=name, threshold=t.number(authority.petition_threshold))

    intro = t._(
        "Step 1 of 4. To which authority is the petition addressed? "
        "Choose one, or type words from its name to search."
    )
    await offer_authorities(ctx, query, intro, PetitionAuthority, line)


@router.step(FLOW, Step.AUTHORITY)
async def authority_typed(ctx: Context, text: str) -> None:
    await _offer_authorities(ctx, text)


@router.button(PetitionAuthority)
async def authority_chosen(ctx: Context, press: PetitionAuthority) -> None:
    t = ctx.t
    authority = await Authorities(ctx.session).get(press.authority_id)
    if FLOW.step(ctx.state) is None or authority is None:
        await start(ctx, NewPetition())
        return
    FLOW.go(ctx.state, Step.TITLE, Draft(authority_id=authority.id))
    ctx.reply(
        t._("Addressed to: {name}.").format(name=views.authority_name(t, authority))
        + "\n\n"
        + t.ngettext(
            "Step 2 of 4. Type the petition's title: what you ask for, "
            "in {min} to {max} character.",
            "Step 2 of 4. Type the petition's title: what you ask for, "
            "in {min} to {max} characters.",
            TITLE_RULE.max_chars,
        ).format(min=TITLE_RULE.min_chars, max=TITLE_RULE.max_chars),
        [cancel_row(ctx.t)],
    )


async def _draft(ctx: Context) -> Draft | None:
    """The draft so far; when the state cannot be read, the flow starts again."""
    draft = FLOW.gathered(ctx.state)
    if draft is None:
        await start(ctx, NewPetition())
    return draft


@router.step(FLOW, Step.TITLE)
async def title_typed(ctx: Context, text: str) -> None:
    t = ctx.t
    title = accept_text(ctx, text, TITLE_RULE, t._("title"))
    draft = await _draft(ctx) if title is not None else None
    if draft is None:
        return
    FLOW.go(ctx.state, Step.BODY, draft.model_copy(update={"title": title}))
    ctx.reply(
        t.ngettext(
            "Step 3 of 4. Type the petition's text ({min} to {max} character): the "
            "substance of your appeal, what the problem is and what the authority should do. "
            "Send it as one message.",
            "Step 3 of 4. Type the petition's text ({min} to {max} characters): the "
            "substance of your appeal, what the problem is and what the authority should do. "
            "Send it as one message.",
            BODY_RULE.max_chars,
        ).format(min=t.number(BODY_RULE.min_chars), max=t.number(BODY_RULE.max_chars)),
        [cancel_row(ctx.t)],
    )


@router.step(FLOW, Step.BODY)
async def body_typed(ctx: Context, text: str) -> None:
    t = ctx.t
    body = accept_text(ctx, text, BODY_RULE, t._("petition text"))
    draft = await _draft(ctx) if body is not None else None
    if draft is None:
        return
    FLOW.go(ctx.state, Step.AUTHOR, draft.model_copy(update={"body": body}))
    ctx.reply(
        t._(
            "Step 4 of 4. The law requires the author's name on a petition. "
            "Type your name and surname as they will be published:"
        ),
        [cancel_row(ctx.t)],
    )


@router.step(FLOW, Step.AUTHOR)
async def author_typed(ctx: Context, text: str) -> None:
    t = ctx.t
    name = accept_text(ctx, text, AUTHOR_NAME_RULE, t._("name"))
    draft = await _draft(ctx) if name is not None else None
    if draft is None:
        return
    FLOW.go(ctx.state, Step.REVIEW, draft.model_copy(update={"author_name": name}))
    await _review(ctx)


async def _review(ctx: Context) -> None:
    t = ctx.t
    gathered = await _draft(ctx)
    draft = None if gathered is None else gathered.complete()
    authority = None if draft is None else await Authorities(ctx.session).get(draft.authority_id)
    if draft is None or authority is None:
        await start(ctx, NewPetition())
        return
    text = "\n".join(
        [
            t._("Please check your petition:"),
            "",
            t._("To: {authority}").format(authority=views.authority_name(t, authority)),
            t._("Author: {name}").format(name=draft.author_name),
            "",
            draft.title,
            "",
            draft.body,
        ]
    )
    ctx.reply(
        text,
        [
            [Button(t._("✅ Submit for moderation"), SubmitPetition())],
            [Button(t._("✏ Start over"), NewPetition()), cancel_row(t)[0]],
        ],
    )


@router.step(FLOW, Step.REVIEW)
async def review_typed(ctx: Context, _text: str) -> None:
    ctx.reply(ctx.t._("Please choose one of the options below."))
    await _review(ctx)


@router.button(SubmitPetition)
async def submit(ctx: Context, _press: SubmitPetition) -> None:
    t = ctx.t
    gathered = FLOW.gathered(ctx.state)
    draft = None if gathered is None else gathered.complete()
    if FLOW.step(ctx.state) is not Step.REVIEW or draft is None:
        # A second tap on "Submit", or a button from an old message: nothing to submit.
        ctx.reply(
            t._("There is no petition draft to submit: it was already submitted or cancelled."),
            ctx.main_menu_buttons(),
        )
        return
    try:
        petition = await Petitions(ctx.session).submit(draft, ctx.citizen.id, ctx.now)
    except (PetitionError, TextProblem):
        ctx.state.leave()
        ctx.reply(
            t._("This draft can no longer be submitted. Please start again."),
            ctx.main_menu_buttons(),
        )
        return
    ctx.state.leave()
    ctx.reply(
        t.ngettext(
            "📨 Petition No. {id} is submitted. Moderators check that it meets the law "
            "within {days} working day; then it is published and signature collection "
            "starts. You can follow it under My profile → My petitions.",
            "📨 Petition No. {id} is submitted. Moderators check that it meets the law "
            "within {days} working days; then it is published and signature collection "
            "starts. You can follow it under My profile → My petitions.",
            MODERATION_WORKING_DAYS,
        ).format(id=petition.id, days=MODERATION_WORKING_DAYS),
        [[Button(t._("📝 My petitions"), MyPetitions())], ctx.main_menu_buttons()[0]],
    )
