"""E-consultations in chat: the open consultations; the summary, then the draft section
by section (next, previous, go to a number; long sections in parts cut between words);
support, object, comment or propose new wording on any section or the whole draft; the
published comments with a flag button; my comments with their state, withdrawing while
the period runs; the report's summary; and the notices: a comment hidden by a moderator,
and the outcome of each of one's comments once the report is out."""

from __future__ import annotations

import enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.consultations import (
    HIDDEN_NOTICE,
    OPENED_NOTICE,
    OUTCOMES_NOTICE,
    WHOLE_DRAFT,
    ConsultationError,
    Consultations,
    Phase,
    phase,
)
from handlers.common import back_to_menu
from handlers.consultation_payloads import (
    ConsultationList,
    FlagBecause,
    FlagComment,
    FlagReason,
    GoToSection,
    MyComments,
    OpenConsultation,
    ReadComments,
    ReadSection,
    ShowReport,
    TakeStance,
    WithdrawComment,
    WriteComment,
)
from handlers.context import Context
from handlers.core_payloads import Cancel
from handlers.flows import Flow, Gathered
from handlers.outbox import NoticeRenderer
from handlers.reading import parts_of
from handlers.replies import Button, Reply
from handlers.router import Router
from handlers.texts import Texts
from storage.consultation_models import (
    CommentFlag,
    CommentKind,
    CommentStatus,
    Consultation,
    ConsultationComment,
    Outcome,
    Stance,
)
from storage.models import Notice

router = Router(
    "consultations",
    intro=lambda t: t._("comment on draft acts in public consultations"),
    intro_order=40,
)
OPEN_CONSULTATIONS = ConsultationList()
router.menu_entry(40, lambda t: t._("📑 Consultations"), OPEN_CONSULTATIONS)
COMMENTS_PAGE = 5


class Step(enum.StrEnum):
    WRITING = "writing"
    SECTION_NUMBER = "section_number"
    FLAG_REASON = "flag_reason"


class Writing(Gathered):
    consultation_id: int
    number: int = 0
    kind: CommentKind = CommentKind.COMMENT
    comment_id: int = 0  # the comment being flagged


CONSULTING = Flow("consultation", Step, Writing)


def refusal(t: Texts, code: str) -> str:
    """Why the consultation did not take it, in the citizen's language."""
    reasons = {
        "not_open_yet": t._("Comments open when the consultation does."),
        "closed": t._("The comment period is over."),
        "unknown_section": t._("The draft has no section with that number."),
        "text_empty": t._("The comment is empty: write a few words."),
        "text_too_short": t._("The comment is too short: write a few words."),
        "text_too_long": t._("The comment is too long: at most 5,000 characters."),
        "text_no_letters": t._("Write the comment in words."),
        "personal_data_phone": t._(
            "Your comment seems to contain a phone number. Comments are published, so "
            "please write it again without it."
        ),
        "personal_data_email": t._(
            "Your comment seems to contain an e-mail address. Comments are published, so "
            "please write it again without it."
        ),
        "unknown_comment": t._("That comment is not available."),
        "own_comment": t._("You cannot flag your own comment."),
        "withdrawn": t._("That comment is already withdrawn."),
        "hidden": t._("A moderator has hidden that comment."),
        "already_reported": t._("The report is published: flags are closed."),
        "not_found": t._("This consultation was not found."),
    }
    return reasons.get(code, t._("That did not work."))


def _status_label(t: Texts, status: CommentStatus) -> str:
    return {
        CommentStatus.PENDING: t._("waiting for a moderator"),
        CommentStatus.PUBLISHED: t._("published"),
        CommentStatus.HIDDEN: t._("hidden by a moderator"),
        CommentStatus.WITHDRAWN: t._("withdrawn"),
    }[status]


def outcome_label(t: Texts, outcome: Outcome) -> str:
    return {
        Outcome.ACCEPTED: t._("accepted"),
        Outcome.PARTLY_ACCEPTED: t._("partly accepted"),
        Outcome.REJECTED: t._("rejected"),
    }[outcome]


def _home(t: Texts, consultation_id: int | None = None) -> list[list[Button]]:
    rows = [[Button(t._("📑 Open consultations"), OPEN_CONSULTATIONS), back_to_menu(t)]]
    if consultation_id is not None:
        rows.insert(0, [Button(t._("⬅️ To the consultation"), OpenConsultation(consultation_id))])
    return rows


@router.command("consultations", description=lambda t: t._("Comment on draft acts"), order=45)
async def consultations_command(ctx: Context, _payload: str) -> None:
    await show_list(ctx, OPEN_CONSULTATIONS)


@router.button(ConsultationList)
async def show_list(ctx: Context, _press: ConsultationList) -> None:
    t = ctx.t
    ctx.state.leave()
    open_now = await Consultations(ctx.session).open_now(ctx.now)
    if not open_now:
        ctx.reply(t._("No consultation is open now."), [[back_to_menu(t)]])
        return
    lines = [t._("Draft acts open for comment:")]
    rows = []
    for consultation in open_now:
        lines.append(
            t._("• {title}: until {date}").format(
                title=consultation.title, date=t.datetime(consultation.closes_at)
            )
        )
        rows.append([Button(consultation.title[:60], OpenConsultation(consultation.id))])
    rows.append([back_to_menu(t)])
    ctx.reply("\n".join(lines), rows)


@router.deep_link("consultation")
async def open_by_link(ctx: Context, consultation_id: int) -> None:
    await show_consultation(ctx, OpenConsultation(consultation_id))


@router.button(OpenConsultation)
async def show_consultation(ctx: Context, press: OpenConsultation) -> None:
    t = ctx.t
    ctx.state.leave()
    rules = Consultations(ctx.session)
    consultation = await rules.get(press.consultation_id)
    if consultation is None:
        ctx.reply(refusal(t, "not_found"), _home(t))
        return
    current = phase(consultation, ctx.now)
    counts = await rules.counts(consultation.id)
    lines = [
        consultation.title,
        "",
        consultation.summary,
        "",
        t._("Who it affects: {affected}").format(affected=consultation.affected),
        t.ngettext(
            "The draft has %(num)d section.", "The draft has %(num)d sections.", len(counts) - 1
        )
        % {"num": len(counts) - 1},
    ]
    if current is Phase.SCHEDULED:
        lines.append(t._("Comments open {date}.").format(date=t.datetime(consultation.opens_at)))
    elif current is Phase.OPEN:
        lines.append(
            t._("Comments are open until {date}.").format(date=t.datetime(consultation.closes_at))
        )
    elif current is Phase.CLOSED:
        lines.append(
            t._("Comments are closed; the authority's report is due by {date}.").format(
                date=t.date(consultation.report_due_at)
            )
        )
    else:
        lines.append(t._("The authority has published its report."))
    whole = counts[0]
    lines.append(
        t._("The whole draft: 👍 {support} · 👎 {objections} · 💬 {comments}").format(
            support=whole.support, objections=whole.objections, comments=whole.comments
        )
    )
    rows = [[Button(t._("📖 Read the draft"), ReadSection(consultation.id, 1, 0))]]
    if current is Phase.OPEN:
        rows.append(_stance_and_write(t, consultation.id, WHOLE_DRAFT))
    rows.append(
        [Button(t._("💬 Comments on the whole draft"), ReadComments(consultation.id, 0, 0))]
    )
    rows.append([Button(t._("🗂 My comments"), MyComments(consultation.id))])
    if current is Phase.REPORTED:
        rows.append([Button(t._("📋 The report"), ShowReport(consultation.id))])
    rows += _home(t)
    ctx.reply("\n".join(lines), rows)


def _stance_and_write(t: Texts, consultation_id: int, number: int) -> list[Button]:
    return [
        Button(t._("👍 Support"), TakeStance(consultation_id, number, Stance.SUPPORT)),
        Button(t._("👎 Object"), TakeStance(consultation_id, number, Stance.OBJECT)),
        Button(t._("✍️ Comment"), WriteComment(consultation_id, number, CommentKind.COMMENT)),
    ]


@router.button(ReadSection)
async def read_section(ctx: Context, press: ReadSection) -> None:
    t = ctx.t
    ctx.state.leave()
    rules = Consultations(ctx.session)
    consultation = await rules.get(press.consultation_id)
    if consultation is None:
        ctx.reply(refusal(t, "not_found"), _home(t))
        return
    counts = {c.section.number: c for c in await rules.counts(consultation.id) if c.section}
    total = len(counts)
    counted = counts.get(press.number)
    if counted is None or counted.section is None:
        ctx.reply(refusal(t, "unknown_section"))
        await show_consultation(ctx, OpenConsultation(consultation.id))
        return
    section = counted.section
    parts = parts_of(section.text)
    part = min(press.part, len(parts) - 1)
    lines = [
        t._("Section {number} of {total}").format(number=section.number, total=total),
        section.title,
        "",
        parts[part],
    ]
    if len(parts) > 1:
        lines.append(t._("(part {part} of {parts})").format(part=part + 1, parts=len(parts)))
    lines.append("")
    lines.append(
        t._("👍 {support} · 👎 {objections} · 💬 {comments}").format(
            support=counted.support, objections=counted.objections, comments=counted.comments
        )
    )
    rows: list[list[Button]] = []
    nav: list[Button] = []
    if part > 0:
        nav.append(
            Button(t._("⬅️ Previous"), ReadSection(consultation.id, section.number, part - 1))
        )
    elif section.number > 1:
        nav.append(Button(t._("⬅️ Previous"), ReadSection(consultation.id, section.number - 1, 0)))
    if part + 1 < len(parts):
        nav.append(Button(t._("Next ➡️"), ReadSection(consultation.id, section.number, part + 1)))
    elif section.number < total:
        nav.append(Button(t._("Next ➡️"), ReadSection(consultation.id, section.number + 1, 0)))
    if nav:
        rows.append(nav)
    if phase(consultation, ctx.now) is Phase.OPEN:
        rows.append(_stance_and_write(t, consultation.id, section.number))
        rows.append(
            [
                Button(
                    t._("📝 Propose new wording"),
                    WriteComment(consultation.id, section.number, CommentKind.WORDING),
                )
            ]
        )
    rows.append(
        [
            Button(t._("💬 Comments"), ReadComments(consultation.id, section.number, 0)),
            Button(t._("🔢 Go to section…"), GoToSection(consultation.id)),
        ]
    )
    rows.append([Button(t._("⬅️ To the consultation"), OpenConsultation(consultation.id))])
    ctx.reply("\n".join(lines), rows)


@router.button(GoToSection)
async def ask_section(ctx: Context, press: GoToSection) -> None:
    t = ctx.t
    CONSULTING.go(ctx.state, Step.SECTION_NUMBER, Writing(consultation_id=press.consultation_id))
    ctx.reply(t._("Type the section's number:"), [[Button(t._("Cancel"), Cancel())]])


@router.step(CONSULTING, Step.SECTION_NUMBER)
async def typed_section(ctx: Context, text: str) -> None:
    t = ctx.t
    gathered = CONSULTING.gathered(ctx.state)
    assert gathered is not None
    typed = text.strip().lstrip("№#").strip()
    if not (typed.isascii() and typed.isdigit()) or len(typed) > 4:
        ctx.reply(t._("Type the number in digits, for example 3."))
        return
    await read_section(ctx, ReadSection(gathered.consultation_id, int(typed), 0))


@router.button(TakeStance)
async def take_stance(ctx: Context, press: TakeStance) -> None:
    t = ctx.t
    try:
        await Consultations(ctx.session).set_stance(
            press.consultation_id, ctx.citizen.id, press.number, press.stance, ctx.now
        )
    except ConsultationError as error:
        ctx.reply(refusal(t, error.code), _home(t, press.consultation_id))
        return
    whole = press.number == WHOLE_DRAFT
    if press.stance is Stance.SUPPORT:
        said = (
            t._("👍 Your support of the whole draft is counted (once; you may change it).")
            if whole
            else t._("👍 Your support of section {number} is counted (once; you may change it).")
        )
    else:
        said = (
            t._("👎 Your objection to the whole draft is counted (once; you may change it).")
            if whole
            else t._("👎 Your objection to section {number} is counted (once; you may change it).")
        )
    ctx.reply(said.format(number=press.number))
    if press.number == WHOLE_DRAFT:
        await show_consultation(ctx, OpenConsultation(press.consultation_id))
    else:
        await read_section(ctx, ReadSection(press.consultation_id, press.number, 0))


@router.button(WriteComment)
async def ask_comment(ctx: Context, press: WriteComment) -> None:
    t = ctx.t
    rules = Consultations(ctx.session)
    consultation = await rules.get(press.consultation_id)
    if consultation is None or phase(consultation, ctx.now) is not Phase.OPEN:
        ctx.reply(refusal(t, "closed" if consultation else "not_found"), _home(t))
        return
    if press.number != WHOLE_DRAFT and await rules.section(consultation.id, press.number) is None:
        ctx.reply(refusal(t, "unknown_section"), _home(t, consultation.id))
        return
    CONSULTING.go(
        ctx.state,
        Step.WRITING,
        Writing(consultation_id=consultation.id, number=press.number, kind=press.kind),
    )
    prompt = (
        t._("Type the new wording you propose for section {number}:").format(number=press.number)
        if press.kind is CommentKind.WORDING
        else t._("Type your comment on the whole draft:")
        if press.number == WHOLE_DRAFT
        else t._("Type your comment on section {number}:").format(number=press.number)
    )
    ctx.reply(
        prompt + "\n" + t._("It will be published without your name; up to 5,000 characters."),
        [[Button(t._("Cancel"), Cancel())]],
    )


@router.step(CONSULTING, Step.WRITING)
async def typed_comment(ctx: Context, text: str) -> None:
    t = ctx.t
    gathered = CONSULTING.gathered(ctx.state)
    assert gathered is not None
    try:
        comment = await Consultations(ctx.session).comment(
            gathered.consultation_id, ctx.citizen.id, gathered.number, gathered.kind, text, ctx.now
        )
    except ConsultationError as error:
        if error.code in {"closed", "not_found", "unknown_section", "not_open_yet"}:
            ctx.state.leave()
            ctx.reply(refusal(t, error.code), _home(t, gathered.consultation_id))
        else:  # the citizen may write it again
            ctx.reply(refusal(t, error.code), [[Button(t._("Cancel"), Cancel())]])
        return
    ctx.state.leave()
    ctx.reply(
        t._("✅ Your comment is published.")
        if comment.status is CommentStatus.PUBLISHED
        else t._("✅ Your comment is received; it is published once a moderator has looked."),
        [
            [Button(t._("🗂 My comments"), MyComments(gathered.consultation_id))],
            *_home(t, gathered.consultation_id),
        ],
    )


@router.button(ReadComments)
async def read_comments(ctx: Context, press: ReadComments) -> None:
    t = ctx.t
    rules = Consultations(ctx.session)
    try:
        comments = await rules.published(
            press.consultation_id,
            press.number,
            limit=COMMENTS_PAGE + 1,
            offset=press.page * COMMENTS_PAGE,
        )
    except ConsultationError as error:
        ctx.reply(refusal(t, error.code), _home(t))
        return
    more = len(comments) > COMMENTS_PAGE
    comments = comments[:COMMENTS_PAGE]
    if not comments:
        ctx.reply(t._("No published comments here yet."), _home(t, press.consultation_id))
        return
    lines = [t._("Published comments:")]
    rows: list[list[Button]] = []
    for comment in comments:
        mark = "📝 " if comment.kind is CommentKind.WORDING else ""
        lines.append(f"\n#{comment.id} {mark}{comment.text}")
        if comment.citizen_id != ctx.citizen.id:
            rows.append(
                [Button(t._("🚩 Flag #{id}").format(id=comment.id), FlagComment(comment.id))]
            )
    if more:
        rows.append(
            [
                Button(
                    t._("Next ➡️"), ReadComments(press.consultation_id, press.number, press.page + 1)
                )
            ]
        )
    rows += _home(t, press.consultation_id)
    ctx.reply("\n".join(lines), rows)


@router.button(FlagComment)
async def ask_flag_reason(ctx: Context, press: FlagComment) -> None:
    t = ctx.t
    comment = await ctx.session.get(ConsultationComment, press.comment_id)
    problem = None
    if comment is None:
        problem = "unknown_comment"
    elif comment.citizen_id == ctx.citizen.id:
        problem = "own_comment"
    elif await ctx.session.get(CommentFlag, (comment.id, ctx.citizen.id)) is not None:
        ctx.reply(
            t._("You have already flagged this comment; one flag per citizen counts."),
            _home(t, comment.consultation_id),
        )
        return
    elif comment.status is not CommentStatus.PUBLISHED:
        problem = "unknown_comment"
    if problem is not None or comment is None:
        ctx.reply(refusal(t, problem or "unknown_comment"))
        return
    CONSULTING.go(
        ctx.state,
        Step.FLAG_REASON,
        Writing(consultation_id=comment.consultation_id, comment_id=comment.id),
    )
    labels = _flag_labels(t)
    rows = [[Button(labels[reason], FlagBecause(comment.id, reason))] for reason in FlagReason]
    rows.append([Button(t._("Cancel"), Cancel())])
    ctx.reply(
        t._("Why should a moderator look at comment #{id}? Choose, or type a reason:").format(
            id=comment.id
        ),
        rows,
    )


def _flag_labels(t: Texts) -> dict[FlagReason, str]:
    return {
        FlagReason.OFFENSIVE: t._("Offensive"),
        FlagReason.SPAM: t._("Spam or advertising"),
        FlagReason.PERSONAL_DATA: t._("Someone's personal data"),
        FlagReason.OFF_TOPIC: t._("Not about the draft"),
    }


@router.button(FlagBecause)
async def flag_because(ctx: Context, press: FlagBecause) -> None:
    await _flag(ctx, press.comment_id, _flag_labels(ctx.t)[press.reason])


@router.step(CONSULTING, Step.FLAG_REASON)
async def typed_flag_reason(ctx: Context, text: str) -> None:
    gathered = CONSULTING.gathered(ctx.state)
    assert gathered is not None
    await _flag(ctx, gathered.comment_id, text.strip()[:300])


async def _flag(ctx: Context, comment_id: int, reason: str) -> None:
    t = ctx.t
    ctx.state.leave()
    comment = await ctx.session.get(ConsultationComment, comment_id)
    home = _home(t, comment.consultation_id if comment else None)
    try:
        counted = await Consultations(ctx.session).flag(comment_id, ctx.citizen.id, reason, ctx.now)
    except ConsultationError as error:
        ctx.reply(refusal(t, error.code), home)
        return
    ctx.reply(
        t._("🚩 Thank you: a moderator will look at it.")
        if counted
        else t._("You have already flagged this comment; one flag per citizen counts."),
        home,
    )


@router.button(MyComments)
async def my_comments(ctx: Context, press: MyComments) -> None:
    t = ctx.t
    ctx.state.leave()
    rules = Consultations(ctx.session)
    consultation = await rules.get(press.consultation_id)
    if consultation is None:
        ctx.reply(refusal(t, "not_found"), _home(t))
        return
    own = await rules.comments_of(consultation.id, ctx.citizen.id)
    if not own:
        ctx.reply(t._("You have not commented on this draft."), _home(t, consultation.id))
        return
    numbers = {s.id: s.number for s in await rules.sections(consultation.id)}
    is_open = phase(consultation, ctx.now) is Phase.OPEN
    lines = [t._("Your comments:")]
    rows: list[list[Button]] = []
    for comment in own:
        lines.append("")
        lines.append(_own_line(t, comment, numbers))
        if is_open and comment.status in (CommentStatus.PUBLISHED, CommentStatus.PENDING):
            rows.append(
                [Button(t._("↩️ Withdraw #{id}").format(id=comment.id), WithdrawComment(comment.id))]
            )
    rows += _home(t, consultation.id)
    ctx.reply("\n".join(lines), rows)


def _own_line(t: Texts, comment: ConsultationComment, numbers: dict[int, int]) -> str:
    where = (
        t._("the whole draft")
        if comment.section_id is None
        else t._("section {number}").format(number=numbers.get(comment.section_id, "?"))
    )
    line = f"#{comment.id} ({where}, {_status_label(t, comment.status)}): {comment.text[:300]}"
    if comment.status is CommentStatus.HIDDEN and comment.hidden_reason:
        line += "\n" + t._("Reason: {reason}").format(reason=comment.hidden_reason)
    if comment.outcome is not None:
        line += "\n→ " + outcome_label(t, comment.outcome)
        if comment.outcome_reason:
            line += f": {comment.outcome_reason}"
    return line


@router.button(WithdrawComment)
async def withdraw(ctx: Context, press: WithdrawComment) -> None:
    t = ctx.t
    comment = await ctx.session.get(ConsultationComment, press.comment_id)
    try:
        await Consultations(ctx.session).withdraw(press.comment_id, ctx.citizen.id, ctx.now)
    except ConsultationError as error:
        ctx.reply(refusal(t, error.code), _home(t))
        return
    assert comment is not None
    ctx.reply(t._("↩️ Comment #{id} is withdrawn.").format(id=press.comment_id))
    await my_comments(ctx, MyComments(comment.consultation_id))


@router.button(ShowReport)
async def show_report(ctx: Context, press: ShowReport) -> None:
    t = ctx.t
    rules = Consultations(ctx.session)
    consultation = await rules.get(press.consultation_id)
    if consultation is None or consultation.report_published_at is None:
        ctx.reply(t._("The report is not published yet."), _home(t, press.consultation_id))
        return
    ctx.reply(await report_summary(ctx.session, consultation, t), _home(t, consultation.id))


async def report_summary(session: AsyncSession, consultation: Consultation, t: Texts) -> str:
    """The report's counts: by outcome, and per section."""
    rules = Consultations(session)
    reported = await rules.reported_comments(consultation.id)
    numbers = {s.id: s.number for s in await rules.sections(consultation.id)}
    lines = [t._("The report on «{title}»").format(title=consultation.title), ""]
    for outcome in Outcome:
        count = sum(1 for c in reported if c.outcome is outcome)
        lines.append(f"{outcome_label(t, outcome)}: {count}")
    per_section: dict[int, dict[Outcome, int]] = {}
    for comment in reported:
        if comment.outcome is None:
            continue
        number = WHOLE_DRAFT if comment.section_id is None else numbers.get(comment.section_id, 0)
        per_section.setdefault(number, {}).setdefault(comment.outcome, 0)
        per_section[number][comment.outcome] += 1
    for number in sorted(per_section):
        where = (
            t._("the whole draft")
            if number == WHOLE_DRAFT
            else t._("section {number}").format(number=number)
        )
        tally = ", ".join(
            f"{outcome_label(t, outcome)} {count}" for outcome, count in per_section[number].items()
        )
        lines.append(f"• {where}: {tally}")
    return "\n".join(lines)


async def render_outcomes(session: AsyncSession, notice: Notice, t: Texts) -> list[Reply] | None:
    """Each participant's own comments with the authority's outcome and reason."""
    consultation = await session.get(Consultation, notice.subject_id)
    if consultation is None:
        return None
    rules = Consultations(session)
    own = [
        comment
        for comment in await rules.comments_of(consultation.id, notice.citizen_id)
        if comment.status is CommentStatus.PUBLISHED and comment.outcome is not None
    ]
    if not own:
        return None
    numbers = {s.id: s.number for s in await rules.sections(consultation.id)}
    lines = [
        t._("📋 The authority has published its report on «{title}». Your comments:").format(
            title=consultation.title
        )
    ]
    lines += ["", *(_own_line(t, comment, numbers) for comment in own)]
    rows = [[Button(t._("📋 The report"), ShowReport(consultation.id))], [back_to_menu(t)]]
    return [Reply("\n".join(lines), rows)]


async def render_hidden(session: AsyncSession, notice: Notice, t: Texts) -> list[Reply] | None:
    comment = await session.get(ConsultationComment, notice.subject_id)
    if comment is None or comment.status is not CommentStatus.HIDDEN:
        return None
    consultation = await session.scalar(
        select(Consultation).where(Consultation.id == comment.consultation_id)
    )
    title = consultation.title if consultation else ""
    text = t._("A moderator has hidden your comment #{id} on «{title}».\nReason: {reason}").format(
        id=comment.id, title=title, reason=comment.hidden_reason or ""
    )
    return [Reply(text, [[Button(t._("🗂 My comments"), MyComments(comment.consultation_id))]])]


async def render_opened(session: AsyncSession, notice: Notice, t: Texts) -> list[Reply] | None:
    """ "A draft act is open for comment": sent to the audience when it opens."""
    consultation = await session.get(Consultation, notice.subject_id)
    if consultation is None:
        return None
    lines = [
        t._("📑 A draft act is open for public comment: «{title}».").format(
            title=consultation.title
        ),
        consultation.summary,
        t._("Comments are open until {date}.").format(date=t.datetime(consultation.closes_at)),
    ]
    rows = [
        [Button(t._("📖 Read the draft"), OpenConsultation(consultation.id))],
        [back_to_menu(t)],
    ]
    return [Reply("\n".join(lines), rows)]


NOTICE_RENDERERS: dict[str, NoticeRenderer] = {
    OPENED_NOTICE: render_opened,
    OUTCOMES_NOTICE: render_outcomes,
    HIDDEN_NOTICE: render_hidden,
}
