"""Pieces the step-by-step flows share: the cancel button, a typed field checked against
its length rule, and choosing an authority by buttons or by typed words."""

from __future__ import annotations

from collections.abc import Callable

from civic.authorities import Authorities
from civic.text import LengthRule, TextProblem, check_length
from handlers import petition_views as views
from handlers.context import Context
from handlers.core_payloads import Cancel
from handlers.payloads import Payload
from handlers.replies import Button
from handlers.texts import Texts
from locales.catalog import SUPPORTED_LOCALES, translations
from storage.models import Authority


def cancel_row(t: Texts) -> list[Button]:
    return [Button(t._("Cancel"), Cancel())]


def _words(listed: str) -> set[str]:
    return {word.strip().casefold() for word in listed.split(",") if word.strip()}


def yes_or_no(text: str) -> bool | None:
    """True for a typed "yes", False for a "no", in any language we speak; else None.

    The words come from the catalogs, so translators say what counts as yes and no.
    """
    word = text.strip().rstrip(".!").casefold()
    for locale in SUPPORTED_LOCALES:
        _ = translations(locale).gettext
        # Translators: the words a citizen may type for "yes", separated by commas.
        if word in _words(_("yes, y")):
            return True
        # Translators: the words a citizen may type for "no", separated by commas.
        if word in _words(_("no, n")):
            return False
    return None


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
    choose: Callable[[int], Payload],
    line: Callable[[int, str, Authority], str] = lambda number, name, _a: f"{number}. {name}",
) -> None:
    """The authorities matching ``query`` (all, when empty) as numbered lines and buttons
    pressing ``choose(authority id)``; a clear answer when none matches."""
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
        rows.append([Button(views.shorten(name, 50), choose(authority.id))])
    rows.append(cancel_row(t))
    ctx.reply("\n".join(lines), rows)
