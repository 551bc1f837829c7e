"""The directory of authorities in chat: search by name, browse by level and region, a
card with the contacts, and the ``authority_<id>`` deep link."""

from __future__ import annotations

import enum
from collections.abc import Sequence

from civic.authorities import Authorities
from handlers import petition_views as views
from handlers.common import back_to_menu
from handlers.context import Context
from handlers.directory_payloads import (
    BrowseLevel,
    BrowseRegion,
    Directory,
    OpenAuthority,
    ShareAuthority,
)
from handlers.flow_support import no_authority_matches
from handlers.flows import Flow, Nothing
from handlers.payloads import MAX_INDEX
from handlers.replies import Button
from handlers.request_payloads import RequestAuthority
from handlers.router import Router
from handlers.texts import Texts
from storage.models import Authority, AuthorityLevel

router = Router(
    "authority_directory",
    intro=lambda t: t._("find any authority's contacts and its petition rules"),
    intro_order=30,
)


class DirectoryStep(enum.StrEnum):
    SEARCH = "search"  # typed words look for an authority


FLOW = Flow("directory", DirectoryStep, Nothing)


def level_label(t: Texts, level: AuthorityLevel) -> str:
    labels = {
        AuthorityLevel.NATIONAL: t._("National authorities"),
        AuthorityLevel.REGIONAL: t._("Regional authorities"),
        AuthorityLevel.LOCAL: t._("Local councils and administrations"),
    }
    return labels[level]


def directory_button(t: Texts) -> Button:
    return Button(t._("🏛 Directory of authorities"), Directory())


@router.command("authorities", description=lambda t: t._("Directory of authorities"), order=30)
async def directory_command(ctx: Context, _payload: str) -> None:
    await directory(ctx, Directory())


@router.button(Directory)
async def directory(ctx: Context, _press: Directory) -> None:
    t = ctx.t
    FLOW.go(ctx.state, DirectoryStep.SEARCH, Nothing())
    rows = [[Button(level_label(t, level), BrowseLevel(level))] for level in AuthorityLevel]
    rows.append([back_to_menu(t)])
    ctx.reply(
        t._(
            "Directory of authorities. Type words from an authority's name to find it, "
            "or browse by level:"
        ),
        rows,
    )


@router.step(FLOW, DirectoryStep.SEARCH)
async def search_typed(ctx: Context, text: str) -> None:
    t = ctx.t
    found = await Authorities(ctx.session).find(text)
    if not found:
        ctx.reply(
            no_authority_matches(t, text),
            [[directory_button(t), back_to_menu(t)]],
        )
        return
    _list(ctx, t._("Found:"), found)


def _list(ctx: Context, title: str, authorities: Sequence[Authority]) -> None:
    t = ctx.t
    lines = [title, ""]
    rows = []
    for number, authority in enumerate(authorities, start=1):
        name = views.authority_name(t, authority)
        lines.append(f"{number}. {name}")
        rows.append([Button(views.shorten(name, 50), OpenAuthority(authority.id))])
    rows.append([directory_button(t), back_to_menu(t)])
    ctx.reply("\n".join(lines), rows)


@router.button(BrowseLevel)
async def level_chosen(ctx: Context, press: BrowseLevel) -> None:
    t = ctx.t
    level = press.level
    authorities = Authorities(ctx.session)
    regions = await authorities.regions(level) if level is not AuthorityLevel.NATIONAL else []
    if not regions:
        found = await authorities.browse(level)
        if not found:
            ctx.reply(t._("There are no such authorities yet."), [[directory_button(t)]])
            return
        _list(ctx, level_label(t, level), found)
        return
    # Regions go by their place in the sorted list: a name may not fit in 64 bytes.
    rows = [
        [Button(region, BrowseRegion(level, index))]
        for index, region in enumerate(regions[: MAX_INDEX + 1])
    ]
    rows.append([directory_button(t), back_to_menu(t)])
    ctx.reply(level_label(t, level) + "\n\n" + t._("Choose the region:"), rows)


@router.button(BrowseRegion)
async def region_chosen(ctx: Context, press: BrowseRegion) -> None:
    level, index = press.level, press.index
    authorities = Authorities(ctx.session)
    regions = await authorities.regions(level)
    if index >= len(regions):
        await level_chosen(ctx, BrowseLevel(level))
        return
    found = await authorities.browse(level, regions[index])
    _list(ctx, f"{level_label(ctx.t, level)}: {regions[index]}", found)


@router.button(OpenAuthority)
async def open_authority(ctx: Context, press: OpenAuthority) -> None:
    await show_authority(ctx, press.authority_id)


@router.deep_link("authority")
async def show_authority(ctx: Context, authority_id: int) -> None:
    t = ctx.t
    authority = await Authorities(ctx.session).get(authority_id)
    if authority is None:
        ctx.reply(
            t._("This authority is not in the directory."),
            [[directory_button(t), back_to_menu(t)]],
        )
        return
    ctx.state.leave()
    ctx.reply(
        authority_card(t, authority),
        [
            [Button(t._("📨 Request information"), RequestAuthority(authority.id))],
            [Button(t._("🔗 Share"), ShareAuthority(authority.id))],
            [directory_button(t), back_to_menu(t)],
        ],
    )


@router.button(ShareAuthority)
async def share_authority(ctx: Context, press: ShareAuthority) -> None:
    t = ctx.t
    authority = await Authorities(ctx.session).get(press.authority_id)
    if authority is None:
        await show_authority(ctx, press.authority_id)
        return
    link = ctx.share_link(f"authority_{authority.id}")
    ctx.reply(
        t._("Send this link to open the authority's card directly:") + "\n" + link,
        [[Button(t._("↩ Back to the authority"), OpenAuthority(authority.id)), back_to_menu(t)]],
    )


def authority_card(t: Texts, authority: Authority) -> str:
    lines = [f"🏛 {views.authority_name(t, authority)}", level_label(t, authority.level)]
    if authority.region:
        lines.append(t._("Region: {region}").format(region=authority.region))
    lines.append("")
    contacts = [
        (t._("Address: {value}"), authority.address),
        (t._("Phone: {value}"), authority.phone),
        (t._("E-mail for requests: {value}"), authority.request_email),
        (t._("Website: {value}"), authority.website),
        (t._("Public council: {value}"), authority.public_council_url),
    ]
    shown = [template.format(value=value) for template, value in contacts if value]
    lines += shown or [t._("No contacts are listed yet.")]
    lines.append("")
    lines.append(petition_rule(t, authority))
    return "\n".join(lines)


def petition_rule(t: Texts, authority: Authority) -> str:
    threshold = t.number(authority.petition_threshold)
    if authority.petition_period_months:
        return t.ngettext(
            "E-petitions: {threshold} signatures within {n} month.",
            "E-petitions: {threshold} signatures within {n} months.",
            authority.petition_period_months,
        ).format(threshold=threshold, n=authority.petition_period_months)
    days = authority.petition_period_days or 0
    return t.ngettext(
        "E-petitions: {threshold} signatures within {n} day.",
        "E-petitions: {threshold} signatures within {n} days.",
        days,
    ).format(threshold=threshold, n=days)
