"""Public council elections in chat: the open elections, the candidates page by page
with their organisations and biographies, choosing up to the election's limit, review,
casting with the verified phone, the receipt code, checking a receipt, and the results
after the count.

The choices so far are kept in the dialog state (``BALLOT``); nothing is stored in the
election until the citizen casts, and the rules check every candidate id again then.
"""

from __future__ import annotations

import enum

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from civic.council_seats import SeatOutcome
from civic.elections import RESULT_NOTICE, CastOutcome, ElectionError, Elections, Phase, phase
from handlers.common import back_to_menu
from handlers.context import Context
from handlers.core_payloads import Cancel
from handlers.election_payloads import (
    CastBallot,
    CheckReceipt,
    ElectionList,
    OpenElection,
    ReviewBallot,
    ShowCandidate,
    ToggleCandidate,
)
from handlers.flows import Flow, Gathered
from handlers.outbox import NoticeRenderer
from handlers.replies import Button, Image, Reply
from handlers.router import Router
from handlers.texts import Texts
from handlers.verification import ask_for_phone
from storage.election_models import Election
from storage.models import Notice

router = Router(
    "elections", intro=lambda t: t._("vote for members of public councils"), intro_order=35
)
OPEN_ELECTIONS = ElectionList()
router.menu_entry(30, lambda t: t._("🗳 Public council elections"), OPEN_ELECTIONS)
PAGE_SIZE = 5
BIOGRAPHY_SHOWN = 300


class Step(enum.StrEnum):
    CHOOSING = "choosing"
    RECEIPT = "receipt"


class Choices(Gathered):
    election_id: int
    chosen: list[int] = Field(default_factory=list)


BALLOT = Flow("council_ballot", Step, Choices)


def refusal(t: Texts, code: str) -> str:
    """Why a ballot was not taken, in the citizen's language."""
    reasons = {
        "not_open_yet": t._("Voting has not started yet."),
        "closed": t._("Voting in this election is over."),
        "verification_required": t._("Voting needs your confirmed phone number."),
        "no_choice": t._("Choose at least one candidate."),
        "too_many_choices": t._("You chose more candidates than this election allows."),
        "unknown_candidate": t._("That candidate does not stand in this election."),
        "withdrawn_candidate": t._("That candidate has withdrawn."),
        "not_found": t._("This election was not found."),
    }
    return reasons.get(code, t._("That did not work."))


@router.command("elections", description=lambda t: t._("Vote for public council members"), order=40)
async def elections_command(ctx: Context, _payload: str) -> None:
    await show_list(ctx, OPEN_ELECTIONS)


@router.button(ElectionList)
async def show_list(ctx: Context, _press: ElectionList) -> None:
    t = ctx.t
    ctx.state.leave()
    open_now = await Elections(ctx.session).open_now(ctx.now)
    if not open_now:
        ctx.reply(t._("No public council election is open now."), [[back_to_menu(t)]])
        return
    lines = [t._("Public council elections open now:")]
    rows = []
    for election in open_now:
        lines.append(
            t._("• {title}: until {date}").format(
                title=election.title, date=t.datetime(election.closes_at)
            )
        )
        rows.append([Button(election.title[:60], OpenElection(election.id, 0))])
    rows.append([back_to_menu(t)])
    ctx.reply("\n".join(lines), rows)


@router.deep_link("election")
async def open_by_link(ctx: Context, election_id: int) -> None:
    await show_election(ctx, OpenElection(election_id, 0))


@router.button(OpenElection)
async def show_election(ctx: Context, press: OpenElection) -> None:
    t = ctx.t
    rules = Elections(ctx.session)
    election = await rules.get(press.election_id)
    if election is None:
        ctx.reply(refusal(t, "not_found"), [[back_to_menu(t)]])
        return
    current = phase(election, ctx.now)
    if current is Phase.CLOSED:
        await _show_results(ctx, election)
        return
    gathered = BALLOT.gathered(ctx.state)
    chosen = gathered.chosen if gathered and gathered.election_id == election.id else []
    if current is Phase.OPEN and not await rules.has_voted(election.id, ctx.citizen.id):
        BALLOT.go(ctx.state, Step.CHOOSING, Choices(election_id=election.id, chosen=chosen))
    standing = await rules.candidates(election.id)
    photos = await rules.with_photos(election.id)
    pages = max(1, -(-len(standing) // PAGE_SIZE))
    page = min(press.page, pages - 1)
    lines = [
        election.title,
        t.ngettext(
            "%(num)d seat; you may choose up to %(max)d candidate.",
            "%(num)d seats; you may choose up to %(max)d candidates.",
            election.seats,
        )
        % {"num": election.seats, "max": election.max_choices},
    ]
    if current is Phase.SCHEDULED:
        lines.append(t._("Voting opens {date}.").format(date=t.datetime(election.opens_at)))
    elif await rules.has_voted(election.id, ctx.citizen.id):
        lines.append(t._("✅ You have voted in this election."))
    else:
        lines.append(t._("Voting closes {date}.").format(date=t.datetime(election.closes_at)))
    rows: list[list[Button]] = []
    for candidate, organisation in standing[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        mark = "✅ " if candidate.id in chosen else ""
        biography = candidate.biography[:BIOGRAPHY_SHOWN]
        withdrawn = " " + t._("(withdrawn)") if candidate.withdrawn_at else ""
        lines.append(f"\n{mark}{candidate.name}{withdrawn} — {organisation.name}\n{biography}")
        row: list[Button] = []
        if BALLOT.step(ctx.state) is Step.CHOOSING and candidate.withdrawn_at is None:
            label = ("✅ " if candidate.id in chosen else "▫️ ") + candidate.name[:50]
            row.append(Button(label, ToggleCandidate(election.id, candidate.id, page)))
        if candidate.id in photos:
            about = ShowCandidate(election.id, candidate.id, page)
            row.append(Button(t._("📷 {name}").format(name=candidate.name[:40]), about))
        if row:
            rows.append(row)
    if pages > 1:
        lines.append(t._("Page {page} of {pages}").format(page=page + 1, pages=pages))
        nav = []
        if page > 0:
            nav.append(Button(t._("⬅️ Previous"), OpenElection(election.id, page - 1)))
        if page + 1 < pages:
            nav.append(Button(t._("Next ➡️"), OpenElection(election.id, page + 1)))
        rows.append(nav)
    if BALLOT.step(ctx.state) is Step.CHOOSING:
        rows.append([Button(t._("🗳 Review my ballot"), ReviewBallot(election.id))])
    rows.append([Button(t._("🔎 Check a receipt"), CheckReceipt(election.id))])
    rows.append([Button(t._("🗳 Open elections"), OPEN_ELECTIONS), back_to_menu(t)])
    ctx.reply("\n".join(lines), rows)


@router.button(ShowCandidate)
async def show_candidate(ctx: Context, press: ShowCandidate) -> None:
    """A candidate's photo with their name, organisation and whole biography; the ids
    are checked to belong together (a forged pair shows the election instead)."""
    t = ctx.t
    rules = Elections(ctx.session)
    found = [
        (candidate, organisation)
        for candidate, organisation in await rules.candidates(press.election_id)
        if candidate.id == press.candidate_id
    ]
    photo = await rules.photo(press.election_id, press.candidate_id)
    if not found:
        await show_election(ctx, OpenElection(press.election_id, press.page))
        return
    candidate, organisation = found[0]
    withdrawn = " " + t._("(withdrawn)") if candidate.withdrawn_at else ""
    text = f"{candidate.name}{withdrawn} — {organisation.name}\n\n{candidate.biography}".strip()
    back = [[Button(t._("⬅️ Back"), OpenElection(press.election_id, press.page))]]
    image = None if photo is None else Image(photo.content, text, jpeg=True)
    ctx.reply(t._("📷 The candidate:") if image else text, back, image=image)


@router.button(ToggleCandidate)
async def toggle(ctx: Context, press: ToggleCandidate) -> None:
    t = ctx.t
    gathered = BALLOT.gathered(ctx.state)
    election = await Elections(ctx.session).get(press.election_id)
    if gathered is None or gathered.election_id != press.election_id or election is None:
        await show_election(ctx, OpenElection(press.election_id, press.page))
        return
    chosen = list(gathered.chosen)
    if press.candidate_id in chosen:
        chosen.remove(press.candidate_id)
    elif len(chosen) >= election.max_choices:
        ctx.reply(
            t.ngettext(
                "You may choose at most %(num)d candidate: remove one first.",
                "You may choose at most %(num)d candidates: remove one first.",
                election.max_choices,
            )
            % {"num": election.max_choices}
        )
    else:
        chosen.append(press.candidate_id)
    BALLOT.go(ctx.state, Step.CHOOSING, Choices(election_id=election.id, chosen=chosen))
    await show_election(ctx, OpenElection(election.id, press.page))


@router.button(ReviewBallot)
async def review(ctx: Context, press: ReviewBallot) -> None:
    t = ctx.t
    gathered = BALLOT.gathered(ctx.state)
    if gathered is None or gathered.election_id != press.election_id or not gathered.chosen:
        ctx.reply(refusal(t, "no_choice"))
        await show_election(ctx, OpenElection(press.election_id, 0))
        return
    names = {
        candidate.id: f"{candidate.name} — {organisation.name}"
        for candidate, organisation in await Elections(ctx.session).candidates(press.election_id)
    }
    lines = [t._("Your ballot:")]
    lines += [f"• {names.get(candidate_id, '?')}" for candidate_id in gathered.chosen]
    lines.append(t._("Once cast, a ballot cannot be changed."))
    ctx.reply(
        "\n".join(lines),
        [
            [Button(t._("✅ Cast my ballot"), CastBallot(press.election_id))],
            [Button(t._("✏️ Change my choice"), OpenElection(press.election_id, 0))],
        ],
    )


@router.button(CastBallot)
async def cast(ctx: Context, press: CastBallot) -> None:
    t = ctx.t
    gathered = BALLOT.gathered(ctx.state)
    chosen = gathered.chosen if gathered and gathered.election_id == press.election_id else []
    if ctx.citizen.phone_hash is None:
        ctx.state.resume = press.pack()
        ask_for_phone(ctx, t._("To vote, please confirm your phone number once."))
        return
    try:
        result = await Elections(ctx.session).cast(
            press.election_id, ctx.citizen.id, chosen, ctx.now
        )
    except ElectionError as error:
        ctx.reply(refusal(t, error.code))
        await show_election(ctx, OpenElection(press.election_id, 0))
        return
    ctx.state.leave()
    rows = [[Button(t._("🗳 Open elections"), OPEN_ELECTIONS), back_to_menu(t)]]
    if result.outcome is CastOutcome.ALREADY_VOTED:
        ctx.reply(
            t._(
                "You have already voted in this election (perhaps from another messenger). "
                "Each citizen casts one ballot; yours is counted."
            ),
            rows,
        )
        return
    ctx.reply(
        t._(
            "✅ Your ballot is cast. Your receipt code: {code}\n\n"
            "Keep it: after the count you can check that your ballot is among those "
            "counted. It does not show how you voted, to anyone."
        ).format(code=result.receipt),
        rows,
    )


@router.button(CheckReceipt)
async def ask_receipt(ctx: Context, press: CheckReceipt) -> None:
    t = ctx.t
    BALLOT.go(ctx.state, Step.RECEIPT, Choices(election_id=press.election_id))
    ctx.reply(
        t._("Type your receipt code (like ABCD-EFGH-JKMN):"), [[Button(t._("Cancel"), Cancel())]]
    )


@router.step(BALLOT, Step.RECEIPT)
async def check_receipt(ctx: Context, text: str) -> None:
    t = ctx.t
    gathered = BALLOT.gathered(ctx.state)
    assert gathered is not None
    ctx.state.leave()
    rows = [[Button(t._("🗳 Open elections"), OPEN_ELECTIONS), back_to_menu(t)]]
    try:
        counted = await Elections(ctx.session).receipt_counted(gathered.election_id, text[:40])
    except ElectionError as error:
        ctx.reply(refusal(t, error.code), rows)
        return
    if counted is None:
        ctx.reply(t._("The ballots are not counted yet: check again after the count."), rows)
    elif counted:
        ctx.reply(t._("✅ This receipt is in the published list: the ballot is counted."), rows)
    else:
        ctx.reply(
            t._("This code is not in the published list. Check that it is typed exactly."), rows
        )


async def _show_results(ctx: Context, election: Election) -> None:
    t = ctx.t
    rows = [[Button(t._("🔎 Check a receipt"), CheckReceipt(election.id))], [back_to_menu(t)]]
    if election.results is None:
        ctx.reply(
            t._("Voting in «{title}» is over; the ballots are being counted.").format(
                title=election.title
            ),
            rows,
        )
        return
    names = await candidate_names(Elections(ctx.session), election.id)
    ctx.reply(results_lines(t, election, names), rows)


async def candidate_names(rules: Elections, election_id: int) -> dict[int, str]:
    return {
        candidate.id: f"{candidate.name} ({organisation.name})"
        for candidate, organisation in await rules.candidates(election_id)
    }


def results_lines(t: Texts, election: Election, names: dict[int, str]) -> str:
    """The ranked results with the seat outcomes and the published count."""
    labels = {
        SeatOutcome.ELECTED.value: t._("elected"),
        SeatOutcome.RESERVE.value: t._("reserve"),
        SeatOutcome.NOT_ELECTED.value: t._("not elected"),
    }
    counted = election.ballot_count or 0
    lines = [
        t._("Results of «{title}»").format(title=election.title),
        t.ngettext("%(num)d ballot counted.", "%(num)d ballots counted.", counted)
        % {"num": counted},
        "",
    ]
    for place in election.results or []:
        lines.append(
            t.ngettext(
                "%(rank)d. %(name)s: %(num)d vote, %(outcome)s",
                "%(rank)d. %(name)s: %(num)d votes, %(outcome)s",
                int(place["votes"]),
            )
            % {
                "rank": int(place["rank"]),
                "name": names.get(int(place["candidate_id"]), "?"),
                "num": int(place["votes"]),
                "outcome": labels[str(place["outcome"])],
            }
        )
    return "\n".join(lines)


async def render_result(session: AsyncSession, notice: Notice, t: Texts) -> list[Reply] | None:
    """The result, told to each voter once the ballots are counted."""
    election = await session.get(Election, notice.subject_id)
    if election is None or election.results is None:
        return None
    names = await candidate_names(Elections(session), election.id)
    rows = [[Button(t._("🔎 Check a receipt"), CheckReceipt(election.id))], [back_to_menu(t)]]
    return [Reply(results_lines(t, election, names), rows)]


NOTICE_RENDERERS: dict[str, NoticeRenderer] = {RESULT_NOTICE: render_result}
