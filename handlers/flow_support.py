"""Pieces the step-by-step flows share: the cancel button, a typed field checked against
its length rule, and choosing an authority by buttons or by typed words."""

from __future__ import annotations

from collections.abc import Callable

from civic.authorities import Authorities
from civic.text import LengthRule, TextProblem, check_length
from handlers import petition_views as views
from handlers.context import Context
from handlers.replies import Button
from handlers.texts import Texts
from storage.models import Authority


def cancel_row(t: Texts) -> list[Button]:
    return [Button(t._("Cancel"), "cancel")]


def accept_text(ctx: Context, text: str, rule: LengthRule, field: str) -> str | None:
    """The cleaned field, or None after telling the citizen why it was refused."""
    try:
        return check_length(text, rule)
    except TextProblem as problem:
        ctx.reply(views.text_problem(ctx.t, field, problem), [cancel_row(ctx.t)])
        return None


def no_authority_matches(t: Texts, query: str) -> str:
    return t._("No authority matches \u201c{query}\u201d. Type other words from its name:").format(
        query=views.shorten(query, 60)
    )


async def offer_authorities(
    ctx: Context,
    query: str,
    intro: str,
    payload_prefix: str,
    line: Callable[[int, str, Authority], str] = lambda number, name, _a: f"{number}. {name}",
) -> None:
    """The authorities matching ``query`` (all, when empty) as numbered lines and buttons
    ``payload_prefix:<id>``; a clear answer when none matches."""
    t = ctx.t
    found = await Authorities(ctx.session).find(query)
    if not found:
        ctx.reply(no_authority_matches(t, query), [cancel_row(t)])
        return
    lines = [intro, ""]
    rows = []
    for number, authority in enumerate(found, start=1):
        name = views.authority_name(t, authority)
        lines.append(line(number, name, authority))
        rows.append([Button(views.shorten(name, 50), f"{payload_prefix}:{authority.id}")])
    rows.append(cancel_row(t))
    ctx.reply("\n".join(lines), rows)
