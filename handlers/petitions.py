"""Browsing, reading, signing and sharing e-petitions; my petitions and signatures."""

from __future__ import annotations

import enum

from civic.petitions import (
    PUBLISHED,
    PetitionError,
    Petitions,
    PetitionSort,
    SignOutcome,
    can_sign,
)
from civic.text import clean_text
from handlers import petition_views as views
from handlers.common import back_to_menu
from handlers.context import Context
from handlers.core_payloads import Cancel
from handlers.flows import Flow, Gathered
from handlers.petition_payloads import (
    OPEN_PETITIONS,
    ClearSearch,
    MyPetitions,
    MySignatures,
    NewPetition,
    OpenPetition,
    PetitionList,
    SearchPetitions,
    SharePetition,
    SignPetition,
)
from handlers.profile_payloads import profile_button
from handlers.replies import Button
from handlers.router import Router
from handlers.verification import ask_for_phone
from storage.models import PetitionStatus

router = Router("petitions", intro=lambda t: t._("sign and create e-petitions"), intro_order=10)
router.menu_entry(10, lambda t: t._("📜 Petitions"), OPEN_PETITIONS)
router.profile_entry(10, lambda t: t._("📝 My petitions"), MyPetitions())
router.profile_entry(11, lambda t: t._("✍ My signatures"), MySignatures())

MAX_QUERY_CHARS = 100


class SearchStep(enum.StrEnum):
    WORDS = "words"  # waiting for the words to look for
    RESULTS = "results"  # showing what they found; typing searches again


class Search(Gathered):
    words: str = ""


SEARCH = Flow("petition_search", SearchStep, Search)


@router.command("petitions", description=lambda t: t._("Open e-petitions"), order=10)
async def petitions_command(ctx: Context, _payload: str) -> None:
    await show_list(ctx, PetitionSort.NEWEST, 0)


@router.button(PetitionList)
async def list_button(ctx: Context, press: PetitionList) -> None:
    await show_list(ctx, press.sort, press.page, replaces_origin=True)


async def show_list(
    ctx: Context, sort: PetitionSort, page_number: int, *, replaces_origin: bool = False
) -> None:
    search = SEARCH.gathered(ctx.state)
    if search is None:
        ctx.state.leave()
    query = "" if search is None else search.words
    petitions = Petitions(ctx.session)
    page = await petitions.browse(sort=sort, page=page_number, query=query)
    if not page.items and page_number > 0:
        page = await petitions.browse(sort=sort, page=0, query=query)
    ctx.reply(
        views.list_text(ctx.t, page, sort, query),
        views.list_buttons(ctx.t, page, sort, query),
        replaces_origin=replaces_origin,
    )


@router.button(SearchPetitions)
async def start_search(ctx: Context, _press: SearchPetitions) -> None:
    SEARCH.go(ctx.state, SearchStep.WORDS, Search())
    t = ctx.t
    ctx.reply(
        t._("Type a few words to look for in petitions' titles and texts:"),
        [[Button(t._("Cancel"), Cancel())]],
    )


@router.step(SEARCH, SearchStep.WORDS)
async def search_words(ctx: Context, text: str) -> None:
    query = clean_text(text)[:MAX_QUERY_CHARS]
    if not any(ch.isalnum() for ch in query):
        ctx.reply(
            ctx.t._("Please type at least one word (letters or digits) to search for."),
            [[Button(ctx.t._("Cancel"), Cancel())]],
        )
        return
    SEARCH.go(ctx.state, SearchStep.RESULTS, Search(words=query))
    await show_list(ctx, PetitionSort.MOST_SIGNED, 0)


@router.step(SEARCH, SearchStep.RESULTS)
async def search_again(ctx: Context, text: str) -> None:
    await search_words(ctx, text)


@router.button(ClearSearch)
async def clear_search(ctx: Context, _press: ClearSearch) -> None:
    ctx.state.leave()
    await show_list(ctx, PetitionSort.NEWEST, 0, replaces_origin=True)


@router.deep_link("petition")
async def open_by_link(ctx: Context, petition_id: int) -> None:
    await show_petition(ctx, petition_id)


@router.button(OpenPetition)
async def view_button(ctx: Context, press: OpenPetition) -> None:
    await show_petition(ctx, press.petition_id)


def _not_found(ctx: Context, petition_id: int) -> None:
    t = ctx.t
    ctx.reply(
        t._(
            "Petition No. {id} was not found. It may never have existed or not be published yet."
        ).format(id=petition_id),
        [[Button(t._("📜 Open petitions"), OPEN_PETITIONS)], [back_to_menu(t)]],
    )


async def show_petition(ctx: Context, petition_id: int, lead: str | None = None) -> None:
    t = ctx.t
    petitions = Petitions(ctx.session)
    view = await petitions.visible(petition_id, ctx.citizen.id)
    if view is None:
        _not_found(ctx, petition_id)
        return
    petition = view.petition
    signature = await petitions.signature_of(petition.id, ctx.citizen.id)
    text = views.petition_card(t, view)
    rows: list[list[Button]] = []
    if signature is not None:
        text += "\n\n" + t._("✅ You signed this petition on {date}.").format(
            date=t.date(signature.signed_at)
        )
    elif can_sign(petition, ctx.now):
        rows.append([Button(t._("✍ Sign"), SignPetition(petition.id))])
    elif petition.status is PetitionStatus.OPEN:
        text += "\n\n" + t._("The signature collection period has ended.")
    if lead:
        text = lead + "\n\n" + text
    if petition.status in PUBLISHED:
        rows.append([Button(t._("🔗 Share"), SharePetition(petition.id))])
    rows.append([Button(t._("📜 Back to the list"), OPEN_PETITIONS), back_to_menu(t)])
    ctx.reply(text, rows)


@router.button(SignPetition)
async def sign(ctx: Context, press: SignPetition) -> None:
    petition_id = press.petition_id
    t = ctx.t
    petitions = Petitions(ctx.session)
    if ctx.needs_verification("sign"):
        if await petitions.visible(petition_id, ctx.citizen.id) is None:
            _not_found(ctx, petition_id)
            return
        ctx.state.resume = press.pack()
        ask_for_phone(ctx, t._("To sign, please confirm your phone number once."))
        return
    try:
        result = await petitions.sign(petition_id, ctx.citizen.id, ctx.channel, ctx.now)
    except PetitionError:
        await show_petition(ctx, petition_id)
        return
    petition = result.petition
    if result.outcome is SignOutcome.SIGNED:
        lead = t._("✅ Your signature under petition No. {id} is counted.").format(id=petition.id)
        if result.threshold_reached:
            lead += "\n" + t._(
                "🎉 The petition has reached its threshold and now awaits an answer."
            )
        body = views.progress_line(t, result.signature_count, petition.threshold)
    elif result.outcome is SignOutcome.ALREADY_SIGNED:
        assert result.signed_at is not None
        assert result.signed_via is not None
        lead = t._("You already signed this petition on {date} via {channel}.").format(
            date=t.date(result.signed_at), channel=views.channel_name(t, result.signed_via)
        )
        body = t._("Each citizen signs a petition once; your signature is counted.")
    else:
        lead = t._("Petition No. {id} is not collecting signatures: {status}.").format(
            id=petition.id, status=views.status_label(t, petition.status)
        )
        body = ""
    rows = [[Button(t._("📜 Back to the list"), OPEN_PETITIONS), back_to_menu(t)]]
    if petition.status in PUBLISHED:
        rows.insert(0, [Button(t._("🔗 Share"), SharePetition(petition.id))])
    ctx.reply("\n\n".join(part for part in (lead, body) if part), rows)


@router.button(SharePetition)
async def share(ctx: Context, press: SharePetition) -> None:
    t = ctx.t
    petition_id = press.petition_id
    view = await Petitions(ctx.session).visible(petition_id, ctx.citizen.id)
    if view is None or view.petition.status not in PUBLISHED:
        await show_petition(ctx, petition_id)
        return
    link = ctx.share_link(f"petition_{petition_id}")
    ctx.reply(
        t._("Share petition No. {id} \u201c{title}\u201d with this link:\n{link}").format(
            id=petition_id, title=views.shorten(view.petition.title, 80), link=link
        ),
        [[Button(t._("↩ Back to the petition"), OpenPetition(petition_id)), back_to_menu(t)]],
    )


@router.button(MyPetitions)
async def my_petitions(ctx: Context, _press: MyPetitions) -> None:
    t = ctx.t
    mine = await Petitions(ctx.session).authored_by(ctx.citizen.id)
    if not mine:
        text = t._("You have not created any petitions yet.")
    else:
        text = "\n".join(
            [t._("My petitions:"), ""]
            + [views.petition_summary_line(t, v.petition, v.signature_count) for v in mine]
        )
    rows = [
        [Button(views.shorten(v.petition.title, 40), OpenPetition(v.petition.id))] for v in mine
    ]
    rows.append([Button(t._("✍ Create a petition"), NewPetition()), profile_button(t)])
    ctx.reply(text, rows)


@router.button(MySignatures)
async def my_signatures(ctx: Context, _press: MySignatures) -> None:
    t = ctx.t
    signed = await Petitions(ctx.session).signed_by(ctx.citizen.id)
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
    rows = [
        [Button(views.shorten(s.petition.title, 40), OpenPetition(s.petition.id))] for s in signed
    ]
    rows.append([profile_button(t), back_to_menu(t)])
    ctx.reply(text, rows)
