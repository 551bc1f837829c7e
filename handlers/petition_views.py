"""How petitions read in a chat: built here, outside the flows that decide what to show."""

from __future__ import annotations

from civic.petitions import PetitionPage, PetitionSort, PetitionView, progress_bar
from civic.text import TextProblem
from handlers.core_payloads import MainMenu
from handlers.payloads import MAX_INDEX
from handlers.petition_payloads import (
    ClearSearch,
    NewPetition,
    OpenPetition,
    PetitionList,
    SearchPetitions,
)
from handlers.replies import Button
from handlers.texts import Texts
from storage.models import Authority, Petition, PetitionStatus

LIST_TITLE_CHARS = 90


def authority_name(t: Texts, authority: Authority) -> str:
    return authority.name_en if t.locale == "en" else authority.name_uk


def status_label(t: Texts, status: PetitionStatus) -> str:
    labels = {
        PetitionStatus.MODERATION: t._("under moderation"),
        PetitionStatus.OPEN: t._("collecting signatures"),
        PetitionStatus.AWAITING_ANSWER: t._("threshold reached, awaiting an answer"),
        PetitionStatus.ANSWERED: t._("answered"),
        PetitionStatus.CLOSED: t._("closed: not enough signatures"),
        PetitionStatus.REJECTED: t._("rejected at moderation"),
    }
    return labels[status]


def channel_name(t: Texts, channel: str) -> str:
    names = {"telegram": "Telegram", "viber": "Viber", "console": t._("the terminal")}
    return names.get(channel, channel)


def progress_line(t: Texts, count: int, threshold: int) -> str:
    return f"{progress_bar(count, threshold)} {t.number(count)} / {t.number(threshold)}"


def signatures_phrase(t: Texts, count: int) -> str:
    return t.ngettext("{n} signature", "{n} signatures", count).format(n=t.number(count))


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def petition_card(t: Texts, view: PetitionView) -> str:
    petition = view.petition
    lines = [
        t._("Petition No. {id}").format(id=petition.id),
        petition.title,
        "",
        t._("To: {authority}").format(authority=authority_name(t, petition.authority)),
        t._("Author: {name}").format(name=petition.author_name),
        t._("Status: {status}").format(status=status_label(t, petition.status)),
    ]
    if petition.published_at is not None and petition.closes_at is not None:
        lines.append(
            t._("Collecting from {start} to {end}").format(
                start=t.date(petition.published_at), end=t.date(petition.closes_at)
            )
        )
    if petition.status is not PetitionStatus.MODERATION:
        lines.append(progress_line(t, view.signature_count, petition.threshold))
    lines += ["", petition.body]
    if petition.status is PetitionStatus.ANSWERED and petition.answer_text:
        answered = t.date(petition.answered_at or petition.submitted_at)
        lines += ["", t._("Answer given on {date}:").format(date=answered), petition.answer_text]
    if petition.status is PetitionStatus.REJECTED and petition.rejection_reason:
        reason = petition.rejection_reason
        lines += ["", t._("Reason for rejection: {reason}").format(reason=reason)]
    return "\n".join(lines)


def list_text(t: Texts, page: PetitionPage, sort: PetitionSort, query: str) -> str:
    if query:
        head = t._("Open petitions matching \u201c{query}\u201d").format(query=shorten(query, 60))
    elif sort is PetitionSort.MOST_SIGNED:
        head = t._("Open petitions, most signed first")
    else:
        head = t._("Open petitions, newest first")
    if not page.items:
        if query:
            return head + "\n\n" + t._("No open petition matches those words.")
        return head + "\n\n" + t._("There are no open petitions yet.")
    lines = [head + " " + t._("(page {page})").format(page=page.page + 1), ""]
    for number, view in enumerate(page.items, start=1):
        lines.append(f"{number}. {shorten(view.petition.title, LIST_TITLE_CHARS)}")
        lines.append("   " + progress_line(t, view.signature_count, view.petition.threshold))
    return "\n".join(lines)


def list_buttons(
    t: Texts, page: PetitionPage, sort: PetitionSort, query: str
) -> list[list[Button]]:
    rows = [
        [Button(shorten(v.petition.title, 40), OpenPetition(v.petition.id))] for v in page.items
    ]
    nav = []
    if page.page > 0:
        nav.append(Button(t._("◀ Previous"), PetitionList(sort, page.page - 1)))
    if page.has_next and page.page < MAX_INDEX:
        nav.append(Button(t._("Next ▶"), PetitionList(sort, page.page + 1)))
    if nav:
        rows.append(nav)
    other = PetitionSort.NEWEST if sort is PetitionSort.MOST_SIGNED else PetitionSort.MOST_SIGNED
    other_label = t._("Newest first") if other is PetitionSort.NEWEST else t._("Most signed first")
    rows.append(
        [Button(other_label, PetitionList(other, 0)), Button(t._("🔎 Search"), SearchPetitions())]
    )
    if query:
        rows.append([Button(t._("Clear search"), ClearSearch())])
    rows.append(
        [Button(t._("✍ Create a petition"), NewPetition()), Button(t._("🏠 Main menu"), MainMenu())]
    )
    return rows


def text_problem(t: Texts, field: str, problem: TextProblem) -> str:
    """A clear reason a typed field was refused, with the limits and what was sent."""
    rule = problem.rule
    if problem.kind == "empty":
        return t._("The {field} cannot be empty. Please type it again.").format(field=field)
    if problem.kind == "too_long":
        return t.ngettext(
            "The {field} is too long: {length} of at most {max} character. "
            "Please shorten it and send it again.",
            "The {field} is too long: {length} of at most {max} characters. "
            "Please shorten it and send it again.",
            rule.max_chars,
        ).format(field=field, length=t.number(problem.length), max=t.number(rule.max_chars))
    if problem.kind == "no_letters":
        return t.ngettext(
            "The {field} must be written in words: at least {min} letter, "
            "not only emoji, digits or symbols.",
            "The {field} must be written in words: at least {min} letters, "
            "not only emoji, digits or symbols.",
            rule.min_letters,
        ).format(field=field, min=t.number(rule.min_letters))
    return t.ngettext(
        "The {field} is too short: {length} of at least {min} character.",
        "The {field} is too short: {length} of at least {min} characters.",
        rule.min_chars,
    ).format(field=field, length=t.number(problem.length), min=t.number(rule.min_chars))


def petition_summary_line(t: Texts, petition: Petition, count: int) -> str:
    line = t._("No. {id}: {title} ({status})").format(
        id=petition.id, title=shorten(petition.title, 60), status=status_label(t, petition.status)
    )
    if petition.status is not PetitionStatus.MODERATION:
        line += " · " + signatures_phrase(t, count)
    return line
