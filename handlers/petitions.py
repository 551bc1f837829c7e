"""Browsing, reading, signing and sharing e-petitions."""

from __future__ import annotations

from civic.petitions import PetitionError, PetitionSort, SignOutcome, can_sign
from civic.text import clean_text
from handlers import petition_views as views
from handlers.common import back_to_menu, stale_button
from handlers.context import Context
from handlers.replies import Button
from handlers.router import Router
from handlers.verification import ask_for_phone
from storage.models import PetitionStatus

router = Router("petitions")
router.menu_entry(10, lambda t: t._("📜 Petitions"), "pl:new:0")

SEARCH_FLOW = "petition_search"
MAX_QUERY_CHARS = 100


def _int(args: list[str], index: int, default: int = 0) -> int:
    try:
        return max(0, int(args[index]))
    except (IndexError, ValueError):
        return default


def _petition_id(args: list[str]) -> int | None:
    """The petition id of a button payload, or None for a garbled one."""
    if not args or not args[0].isdigit() or len(args[0]) > 18:
        return None
    return int(args[0])


@router.command("petitions")
async def petitions_command(ctx: Context, _payload: str) -> None:
    await show_list(ctx, PetitionSort.NEWEST, 0)


@router.button("pl")
async def list_button(ctx: Context, args: list[str]) -> None:
    try:
        sort = PetitionSort(args[0]) if args else PetitionSort.NEWEST
    except ValueError:
        sort = PetitionSort.NEWEST
    await show_list(ctx, sort, _int(args, 1), replaces_origin=True)


async def show_list(
    ctx: Context, sort: PetitionSort, page_number: int, *, replaces_origin: bool = False
) -> None:
    if ctx.state.flow != SEARCH_FLOW:
        ctx.state.leave()
    query = str(ctx.state.data.get("q", ""))
    page = await ctx.petitions.browse(sort=sort, page=page_number, query=query)
    if not page.items and page_number > 0:
        page = await ctx.petitions.browse(sort=sort, page=0, query=query)
    ctx.reply(
        views.list_text(ctx.t, page, sort, query),
        views.list_buttons(ctx.t, page, sort, query),
        replaces_origin=replaces_origin,
    )


@router.button("pq")
async def start_search(ctx: Context, _args: list[str]) -> None:
    ctx.state.enter(SEARCH_FLOW, "words")
    ctx.state.data = {}
    t = ctx.t
    ctx.reply(
        t._("Type a few words to look for in petitions' titles and texts:"),
        [[Button(t._("Cancel"), "cancel")]],
    )


@router.step(SEARCH_FLOW, "words")
async def search_words(ctx: Context, text: str) -> None:
    query = clean_text(text)[:MAX_QUERY_CHARS]
    if not any(ch.isalnum() for ch in query):
        ctx.reply(
            ctx.t._("Please type at least one word (letters or digits) to search for."),
            [[Button(ctx.t._("Cancel"), "cancel")]],
        )
        return
    ctx.state.step = "results"
    ctx.state.data = {"q": query}
    await show_list(ctx, PetitionSort.MOST_SIGNED, 0)


@router.step(SEARCH_FLOW, "results")
async def search_again(ctx: Context, text: str) -> None:
    await search_words(ctx, text)


@router.button("pqx")
async def clear_search(ctx: Context, _args: list[str]) -> None:
    ctx.state.leave()
    await show_list(ctx, PetitionSort.NEWEST, 0, replaces_origin=True)


@router.deep_link("petition")
async def open_by_link(ctx: Context, petition_id: int) -> None:
    await show_petition(ctx, petition_id)


@router.button("pv")
async def view_button(ctx: Context, args: list[str]) -> None:
    petition_id = _petition_id(args)
    if petition_id is None:
        await stale_button(ctx, "pv")
        return
    await show_petition(ctx, petition_id)


async def show_petition(ctx: Context, petition_id: int, lead: str | None = None) -> None:
    t = ctx.t
    view = await ctx.petitions.get(petition_id)
    if view is None or not _visible_to(ctx, view.petition.status, view.petition.author_citizen_id):
        ctx.reply(
            t._(
                "Petition No. {id} was not found. It may never have existed or not be "
                "published yet."
            ).format(id=petition_id),
            [[Button(t._("📜 Open petitions"), "pl:new:0")], [back_to_menu(t)]],
        )
        return
    petition = view.petition
    signature = await ctx.petitions.signature_of(petition.id, ctx.citizen.id)
    text = views.petition_card(t, view)
    rows: list[list[Button]] = []
    if signature is not None:
        text += "\n\n" + t._("✅ You signed this petition on {date}.").format(
            date=t.date(signature.signed_at)
        )
    elif can_sign(petition, ctx.now):
        rows.append([Button(t._("✍ Sign"), f"ps:{petition.id}")])
    elif petition.status is PetitionStatus.OPEN:
        text += "\n\n" + t._("The signature collection period has ended.")
    if lead:
        text = lead + "\n\n" + text
    if petition.status is not PetitionStatus.MODERATION:
        rows.append([Button(t._("🔗 Share"), f"psh:{petition.id}")])
    rows.append([Button(t._("📜 Back to the list"), "pl:new:0"), back_to_menu(t)])
    ctx.reply(text, rows)


def _visible_to(ctx: Context, status: PetitionStatus, author_id: int) -> bool:
    # A petition in moderation is not published: only its author may read it.
    return status is not PetitionStatus.MODERATION or author_id == ctx.citizen.id


@router.button("ps")
async def sign(ctx: Context, args: list[str]) -> None:
    petition_id = _petition_id(args)
    if petition_id is None:
        await stale_button(ctx, "ps")
        return
    t = ctx.t
    if ctx.needs_verification("sign"):
        ctx.state.resume = f"ps:{petition_id}"
        ask_for_phone(ctx, t._("To sign, please confirm your phone number once."))
        return
    try:
        result = await ctx.petitions.sign(petition_id, ctx.citizen.id, ctx.channel, ctx.now)
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
    ctx.reply(
        "\n\n".join(part for part in (lead, body) if part),
        [
            [Button(t._("🔗 Share"), f"psh:{petition.id}")],
            [Button(t._("📜 Back to the list"), "pl:new:0"), back_to_menu(t)],
        ],
    )


@router.button("psh")
async def share(ctx: Context, args: list[str]) -> None:
    t = ctx.t
    petition_id = _petition_id(args)
    if petition_id is None:
        await stale_button(ctx, "psh")
        return
    view = await ctx.petitions.get(petition_id)
    if view is None or view.petition.status is PetitionStatus.MODERATION:
        await show_petition(ctx, petition_id)
        return
    link = ctx.share_link(f"petition_{petition_id}")
    ctx.reply(
        t._("Share petition No. {id} \u201c{title}\u201d with this link:\n{link}").format(
            id=petition_id, title=views.shorten(view.petition.title, 80), link=link
        ),
        [[Button(t._("↩ Back to the petition"), f"pv:{petition_id}"), back_to_menu(t)]],
    )
