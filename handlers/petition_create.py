"""Creating a petition: authority, title, text, author's name, review, submit to moderation."""

from __future__ import annotations

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
from handlers.petition_payloads import MyPetitions, NewPetition, PetitionAuthority, SubmitPetition
from handlers.replies import Button
from handlers.router import Router
from handlers.verification import ask_for_phone
from storage.models import Authority

router = Router("petition_create")

FLOW = "new_petition"


@router.command("newpetition", description=lambda t: t._("Create an e-petition"), order=11)
async def new_petition_command(ctx: Context, _payload: str) -> None:
    await start(ctx, NewPetition())


@router.button(NewPetition)
async def start(ctx: Context, press: NewPetition) -> None:
    if ctx.needs_verification("create_petition"):
        ctx.state.resume = press.pack()
        ask_for_phone(ctx, ctx.t._("To create a petition, please confirm your phone number."))
        return
    ctx.state.enter(FLOW, "authority")
    ctx.state.data = {}
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


@router.step(FLOW, "authority")
async def authority_typed(ctx: Context, text: str) -> None:
    await _offer_authorities(ctx, text)


@router.button(PetitionAuthority)
async def authority_chosen(ctx: Context, press: PetitionAuthority) -> None:
    t = ctx.t
    authority = await Authorities(ctx.session).get(press.authority_id)
    if ctx.state.flow != FLOW or authority is None:
        await start(ctx, NewPetition())
        return
    ctx.state.data = {"authority_id": authority.id}
    ctx.state.step = "title"
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


@router.step(FLOW, "title")
async def title_typed(ctx: Context, text: str) -> None:
    t = ctx.t
    title = accept_text(ctx, text, TITLE_RULE, t._("title"))
    if title is None:
        return
    ctx.state.data["title"] = title
    ctx.state.step = "body"
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


@router.step(FLOW, "body")
async def body_typed(ctx: Context, text: str) -> None:
    t = ctx.t
    body = accept_text(ctx, text, BODY_RULE, t._("petition text"))
    if body is None:
        return
    ctx.state.data["body"] = body
    ctx.state.step = "author"
    ctx.reply(
        t._(
            "Step 4 of 4. The law requires the author's name on a petition. "
            "Type your name and surname as they will be published:"
        ),
        [cancel_row(ctx.t)],
    )


@router.step(FLOW, "author")
async def author_typed(ctx: Context, text: str) -> None:
    t = ctx.t
    name = accept_text(ctx, text, AUTHOR_NAME_RULE, t._("name"))
    if name is None:
        return
    ctx.state.data["author_name"] = name
    ctx.state.step = "review"
    await _review(ctx)


async def _review(ctx: Context) -> None:
    t = ctx.t
    data = ctx.state.data
    authority = await Authorities(ctx.session).get(int(data["authority_id"]))
    assert authority is not None
    text = "\n".join(
        [
            t._("Please check your petition:"),
            "",
            t._("To: {authority}").format(authority=views.authority_name(t, authority)),
            t._("Author: {name}").format(name=data["author_name"]),
            "",
            str(data["title"]),
            "",
            str(data["body"]),
        ]
    )
    ctx.reply(
        text,
        [
            [Button(t._("✅ Submit for moderation"), SubmitPetition())],
            [Button(t._("✏ Start over"), NewPetition()), cancel_row(t)[0]],
        ],
    )


@router.step(FLOW, "review")
async def review_typed(ctx: Context, _text: str) -> None:
    ctx.reply(ctx.t._("Please choose one of the options below."))
    await _review(ctx)


@router.button(SubmitPetition)
async def submit(ctx: Context, _press: SubmitPetition) -> None:
    t = ctx.t
    data = ctx.state.data
    if ctx.state.flow != FLOW or ctx.state.step != "review":
        # A second tap on "Submit", or a button from an old message: nothing to submit.
        ctx.reply(
            t._("There is no petition draft to submit: it was already submitted or cancelled."),
            ctx.main_menu_buttons(),
        )
        return
    draft = PetitionDraft(
        authority_id=int(data["authority_id"]),
        title=str(data["title"]),
        body=str(data["body"]),
        author_name=str(data["author_name"]),
    )
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
