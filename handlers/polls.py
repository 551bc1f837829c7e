"""E-polls in chat: the open polls for me, answering question by question (back, review,
submit), changing my answer where the poll allows, and the results as text bars with a
chart whose caption carries the same numbers, where the poll lets them be shown.

The answers so far are kept in the dialog state (``ANSWERING``); nothing is stored in the
poll until the citizen submits, and the rules check every id again then.
"""

from __future__ import annotations

import enum

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from civic.polls import (
    OPENED_NOTICE,
    AnswerOutcome,
    Phase,
    PollError,
    Polls,
    Question,
    in_audience,
    phase,
    results_for_citizen,
)
from handlers.common import back_to_menu
from handlers.context import Context
from handlers.core_payloads import Cancel
from handlers.flows import Flow, Gathered
from handlers.outbox import NoticeRenderer
from handlers.poll_payloads import (
    FinishQuestion,
    OpenPoll,
    PickOption,
    PollList,
    ReviewAnswer,
    ShowQuestion,
    ShowResults,
    StartAnswer,
    SubmitAnswer,
)
from handlers.poll_results import results_chart, results_text
from handlers.replies import Button, Image, Reply
from handlers.router import Router
from handlers.texts import Texts
from handlers.verification import ask_for_phone
from storage.models import Notice
from storage.poll_models import Poll, QuestionKind, ResultsShown

router = Router("polls", intro=lambda t: t._("answer the authorities' polls"), intro_order=25)
OPEN_POLLS = PollList()
router.menu_entry(25, lambda t: t._("📊 Polls"), OPEN_POLLS)


class Step(enum.StrEnum):
    ANSWERING = "answering"


class Draft(Gathered):
    poll_id: int
    answers: dict[int, list[int] | str] = Field(default_factory=dict)
    # The question on screen: typed text answers it when it asks for a text.
    at: int = 0


ANSWERING = Flow("poll_answer", Step, Draft)


def refusal(t: Texts, code: str) -> str:
    """Why an answer was not taken, in the citizen's language."""
    reasons = {
        "not_open_yet": t._("This poll has not opened yet."),
        "closed": t._("This poll is closed."),
        "verification_required": t._("Answering needs your confirmed phone number."),
        "not_in_audience": t._(
            "This poll is for the residents of some regions only. If you live in one, "
            "choose it in /notifications."
        ),
        "unanswered": t._("Answer every question before submitting."),
        "too_many_choices": t._("You chose more options than this question allows."),
        "unknown_option": t._("That option is not in this question."),
        "unknown_question": t._("That question is not in this poll."),
        "text_too_long": t._("The answer is too long: at most 1,000 characters."),
        "text_no_letters": t._("Write the answer in words."),
        "not_found": t._("This poll was not found."),
    }
    return reasons.get(code, t._("That did not work."))


def _rows_home(t: Texts) -> list[list[Button]]:
    return [[Button(t._("📊 Open polls"), OPEN_POLLS), back_to_menu(t)]]


@router.command("polls", description=lambda t: t._("Answer the authorities' polls"), order=35)
async def polls_command(ctx: Context, _payload: str) -> None:
    await show_list(ctx, OPEN_POLLS)


@router.button(PollList)
async def show_list(ctx: Context, _press: PollList) -> None:
    t = ctx.t
    ctx.state.leave()
    rules = Polls(ctx.session)
    open_now = await rules.open_for(ctx.citizen.id, ctx.now)
    if not open_now:
        ctx.reply(t._("No poll is open for you now."), [[back_to_menu(t)]])
        return
    lines = [t._("Polls open now:")]
    rows = []
    for poll in open_now:
        done = " ✅" if await rules.has_answered(poll.id, ctx.citizen.id) else ""
        lines.append(
            t._("• {title}: until {date}").format(title=poll.title, date=t.datetime(poll.closes_at))
            + done
        )
        rows.append([Button(poll.title[:60], OpenPoll(poll.id))])
    rows.append([back_to_menu(t)])
    ctx.reply("\n".join(lines), rows)


@router.deep_link("poll")
async def open_by_link(ctx: Context, poll_id: int) -> None:
    await show_poll(ctx, OpenPoll(poll_id))


@router.button(OpenPoll)
async def show_poll(ctx: Context, press: OpenPoll) -> None:
    t = ctx.t
    rules = Polls(ctx.session)
    poll = await rules.get(press.poll_id)
    if poll is None:
        ctx.reply(refusal(t, "not_found"), _rows_home(t))
        return
    ctx.state.leave()
    current = phase(poll, ctx.now)
    answered = await rules.has_answered(poll.id, ctx.citizen.id)
    questions = await rules.questions(poll.id)
    lines = [poll.title]
    if poll.description:
        lines.append(poll.description)
    lines.append(
        t.ngettext("%(num)d question.", "%(num)d questions.", len(questions))
        % {"num": len(questions)}
    )
    lines.append(
        t._("Anonymous: nobody can tell which answer is yours.")
        if poll.anonymous
        else t._("Not anonymous: the authority sees who answered what.")
    )
    if poll.regions:
        lines.append(
            t._("For the residents of: {regions}.").format(regions=", ".join(poll.regions))
        )
    rows: list[list[Button]] = []
    if current is Phase.SCHEDULED:
        lines.append(t._("Opens {date}.").format(date=t.datetime(poll.opens_at)))
    elif current is Phase.OPEN:
        lines.append(t._("Open until {date}.").format(date=t.datetime(poll.closes_at)))
        if not answered:
            rows.append([Button(t._("✍️ Answer"), StartAnswer(poll.id))])
        elif poll.changeable:
            rows.append([Button(t._("✏️ Change my answer"), StartAnswer(poll.id))])
    else:
        lines.append(t._("Closed {date}.").format(date=t.datetime(poll.closes_at)))
    if answered:
        lines.append(t._("✅ You have answered this poll."))
        own = await rules.answers_of(poll.id, ctx.citizen.id)
        if own:
            lines.append(t._("Your answer:"))
            lines += _answer_lines(t, questions, own)
    if results_for_citizen(poll, answered, ctx.now):
        rows.append([Button(t._("📊 Results"), ShowResults(poll.id))])
    else:
        lines.append(_when_results(t, poll))
    rows += _rows_home(t)
    ctx.reply("\n".join(lines), rows)


def _when_results(t: Texts, poll: Poll) -> str:
    if poll.results_shown is ResultsShown.AFTER_ANSWER:
        return t._("Results show once you have answered.")
    if poll.results_shown is ResultsShown.AFTER_CLOSE:
        return t._("Results show once the poll closes.")
    return t._("Results show once the authority releases them, after the poll closes.")


@router.button(StartAnswer)
async def start(ctx: Context, press: StartAnswer) -> None:
    t = ctx.t
    rules = Polls(ctx.session)
    poll = await rules.get(press.poll_id)
    if poll is None:
        ctx.reply(refusal(t, "not_found"), _rows_home(t))
        return
    current = phase(poll, ctx.now)
    problem = (
        "not_open_yet"
        if current is Phase.SCHEDULED
        else "closed"
        if current is Phase.CLOSED
        else None
    )
    if problem is None and not in_audience(poll, await rules.region_of(ctx.citizen.id)):
        problem = "not_in_audience"
    if problem is not None:
        ctx.reply(refusal(t, problem), _rows_home(t))
        return
    answered = await rules.has_answered(poll.id, ctx.citizen.id)
    if answered and not poll.changeable:
        ctx.reply(t._("You have already answered this poll."), _rows_home(t))
        return
    own = await rules.answers_of(poll.id, ctx.citizen.id) if answered else {}
    ANSWERING.go(ctx.state, Step.ANSWERING, Draft(poll_id=poll.id, answers=own))
    await show_question(ctx, ShowQuestion(poll.id, 0))


async def _draft_and_questions(ctx: Context, poll_id: int) -> tuple[Draft, list[Question]] | None:
    """The draft of this poll's answer and its questions; None (and the poll shown again)
    when the dialog is not answering this poll (an old button)."""
    draft = ANSWERING.gathered(ctx.state)
    if draft is None or draft.poll_id != poll_id:
        await show_poll(ctx, OpenPoll(poll_id))
        return None
    questions = await Polls(ctx.session).questions(poll_id)
    if not questions:
        await show_poll(ctx, OpenPoll(poll_id))
        return None
    return draft, questions


@router.button(ShowQuestion)
async def show_question(ctx: Context, press: ShowQuestion) -> None:
    t = ctx.t
    found = await _draft_and_questions(ctx, press.poll_id)
    if found is None:
        return
    draft, questions = found
    if press.index >= len(questions):
        await review(ctx, ReviewAnswer(press.poll_id))
        return
    question = questions[press.index]
    ANSWERING.go(ctx.state, Step.ANSWERING, draft.model_copy(update={"at": press.index}))
    given = draft.answers.get(question.row.id)
    lines = [
        t._("Question {number} of {total}").format(number=press.index + 1, total=len(questions)),
        question.row.text,
    ]
    rows: list[list[Button]] = []
    if question.row.kind is QuestionKind.TEXT:
        lines.append(t._("Type a short answer (or skip this question)."))
        if isinstance(given, str) and given:
            lines.append(t._("Your answer so far: {text}").format(text=given))
        rows.append([Button(t._("Skip ➡️"), FinishQuestion(press.poll_id, press.index))])
    else:
        chosen = given if isinstance(given, list) else []
        if question.row.kind is QuestionKind.SINGLE:
            lines.append(t._("Choose one option."))
        else:
            lines.append(
                t.ngettext(
                    "Choose up to %(num)d option, then press Done.",
                    "Choose up to %(num)d options, then press Done.",
                    question.row.max_choices,
                )
                % {"num": question.row.max_choices}
            )
        for option in question.options:
            mark = "✅ " if option.id in chosen else ""
            rows.append(
                [Button(mark + option.text[:60], PickOption(press.poll_id, press.index, option.id))]
            )
        if question.row.kind is QuestionKind.MULTIPLE:
            rows.append([Button(t._("Done ➡️"), FinishQuestion(press.poll_id, press.index))])
    back = (
        ShowQuestion(press.poll_id, press.index - 1) if press.index > 0 else OpenPoll(press.poll_id)
    )
    rows.append([Button(t._("⬅️ Back"), back), Button(t._("Cancel"), Cancel())])
    ctx.reply("\n".join(lines), rows)


def _with(draft: Draft, question_id: int, value: list[int] | str | None) -> Draft:
    answers = dict(draft.answers)
    if value is None or value == [] or value == "":
        answers.pop(question_id, None)
    else:
        answers[question_id] = value
    return Draft(poll_id=draft.poll_id, answers=answers, at=draft.at)


@router.button(PickOption)
async def pick(ctx: Context, press: PickOption) -> None:
    t = ctx.t
    found = await _draft_and_questions(ctx, press.poll_id)
    if found is None:
        return
    draft, questions = found
    if press.index >= len(questions):
        await show_question(ctx, ShowQuestion(press.poll_id, 0))
        return
    question = questions[press.index]
    if press.option_id not in {option.id for option in question.options}:
        ctx.reply(refusal(t, "unknown_option"))
        await show_question(ctx, ShowQuestion(press.poll_id, press.index))
        return
    if question.row.kind is QuestionKind.SINGLE:
        ANSWERING.go(ctx.state, Step.ANSWERING, _with(draft, question.row.id, [press.option_id]))
        await show_question(ctx, ShowQuestion(press.poll_id, press.index + 1))
        return
    given = draft.answers.get(question.row.id)
    chosen = list(given) if isinstance(given, list) else []
    if press.option_id in chosen:
        chosen.remove(press.option_id)
    elif len(chosen) >= question.row.max_choices:
        ctx.reply(
            t.ngettext(
                "You may choose at most %(num)d option: remove one first.",
                "You may choose at most %(num)d options: remove one first.",
                question.row.max_choices,
            )
            % {"num": question.row.max_choices}
        )
    else:
        chosen.append(press.option_id)
    ANSWERING.go(ctx.state, Step.ANSWERING, _with(draft, question.row.id, chosen))
    await show_question(ctx, ShowQuestion(press.poll_id, press.index))


@router.button(FinishQuestion)
async def finish_question(ctx: Context, press: FinishQuestion) -> None:
    t = ctx.t
    found = await _draft_and_questions(ctx, press.poll_id)
    if found is None:
        return
    draft, questions = found
    if press.index < len(questions):
        question = questions[press.index]
        if question.row.kind is not QuestionKind.TEXT and not draft.answers.get(question.row.id):
            ctx.reply(t._("Choose at least one option."))
            await show_question(ctx, ShowQuestion(press.poll_id, press.index))
            return
    await show_question(ctx, ShowQuestion(press.poll_id, press.index + 1))


@router.step(ANSWERING, Step.ANSWERING)
async def typed_answer(ctx: Context, text: str) -> None:
    """Text typed while answering: the answer to a text question on screen; anything else
    is a hint that the buttons (or their numbers) answer here."""
    t = ctx.t
    draft = ANSWERING.gathered(ctx.state)
    assert draft is not None
    questions = await Polls(ctx.session).questions(draft.poll_id)
    index = draft.at
    if index >= len(questions) or questions[index].row.kind is not QuestionKind.TEXT:
        ctx.reply(t._("Choose with the buttons, or type an option's number."))
        return
    question = questions[index]
    if len(text.strip()) > 1000:
        ctx.reply(refusal(t, "text_too_long"))
        return
    if not any(character.isalpha() for character in text):
        ctx.reply(refusal(t, "text_no_letters"))
        return
    ANSWERING.go(ctx.state, Step.ANSWERING, _with(draft, question.row.id, text.strip()))
    await show_question(ctx, ShowQuestion(draft.poll_id, index + 1))


def _answer_lines(
    t: Texts, questions: list[Question], answers: dict[int, list[int] | str]
) -> list[str]:
    lines = []
    for number, question in enumerate(questions, start=1):
        given = answers.get(question.row.id)
        if isinstance(given, str):
            shown = given
        elif given:
            names = {option.id: option.text for option in question.options}
            shown = "; ".join(names.get(choice, "?") for choice in given)
        else:
            shown = t._("(no answer)")
        lines.append(f"{number}. {question.row.text}\n   → {shown}")
    return lines


@router.button(ReviewAnswer)
async def review(ctx: Context, press: ReviewAnswer) -> None:
    t = ctx.t
    found = await _draft_and_questions(ctx, press.poll_id)
    if found is None:
        return
    draft, questions = found
    ANSWERING.go(ctx.state, Step.ANSWERING, draft.model_copy(update={"at": len(questions)}))
    lines = [t._("Your answer:")]
    lines += _answer_lines(t, questions, draft.answers)
    rows = [[Button(t._("✅ Submit my answer"), SubmitAnswer(press.poll_id))]]
    rows += [
        [Button(t._("✏️ Question {number}").format(number=n + 1), ShowQuestion(press.poll_id, n))]
        for n in range(len(questions))
    ]
    rows.append([Button(t._("Cancel"), Cancel())])
    ctx.reply("\n".join(lines), rows)


@router.button(SubmitAnswer)
async def submit(ctx: Context, press: SubmitAnswer) -> None:
    t = ctx.t
    found = await _draft_and_questions(ctx, press.poll_id)
    if found is None:
        return
    draft, _questions = found
    if ctx.citizen.phone_hash is None:
        ctx.state.resume = press.pack()
        ask_for_phone(ctx, t._("To answer, please confirm your phone number once."))
        return
    rules = Polls(ctx.session)
    try:
        outcome = await rules.answer(press.poll_id, ctx.citizen.id, draft.answers, ctx.now)
    except PollError as error:
        ctx.reply(refusal(t, error.code))
        if error.code in {"unanswered", "too_many_choices", "unknown_option", "text_too_long"}:
            await review(ctx, ReviewAnswer(press.poll_id))
        else:
            await show_poll(ctx, OpenPoll(press.poll_id))
        return
    ctx.state.leave()
    if outcome is AnswerOutcome.ALREADY_ANSWERED:
        ctx.reply(
            t._(
                "You have already answered this poll (perhaps from another messenger). "
                "Each citizen answers once; your first answer is counted."
            ),
            _rows_home(t),
        )
        return
    poll = await rules.get(press.poll_id)
    assert poll is not None
    rows = _rows_home(t)
    if results_for_citizen(poll, True, ctx.now):
        rows.insert(0, [Button(t._("📊 Results"), ShowResults(poll.id))])
    ctx.reply(
        t._("✅ Your answer is changed.")
        if outcome is AnswerOutcome.CHANGED
        else t._("✅ Thank you: your answer is counted."),
        rows,
    )


@router.button(ShowResults)
async def show_results(ctx: Context, press: ShowResults) -> None:
    t = ctx.t
    rules = Polls(ctx.session)
    poll = await rules.get(press.poll_id)
    if poll is None:
        ctx.reply(refusal(t, "not_found"), _rows_home(t))
        return
    answered = await rules.has_answered(poll.id, ctx.citizen.id)
    if not results_for_citizen(poll, answered, ctx.now):
        ctx.reply(_when_results(t, poll), [[Button(t._("⬅️ Back"), OpenPoll(poll.id))]])
        return
    ctx.replies.extend(await results_replies(ctx.session, poll, t))


async def results_replies(session: AsyncSession, poll: Poll, t: Texts) -> list[Reply]:
    results = await Polls(session).results(poll.id)
    text = results_text(t, poll.title, results)
    rows = [[Button(t._("⬅️ Back"), OpenPoll(poll.id))], *_rows_home(t)]
    png = await results_chart(poll.id, poll.title, results)
    if png is None:
        return [Reply(text, rows)]
    return [Reply(t._("📊 The results as a chart:"), rows, image=Image(png, text))]


async def render_opened(session: AsyncSession, notice: Notice, t: Texts) -> list[Reply] | None:
    """ "A poll you may answer has opened": sent to the poll's audience when it opens."""
    poll = await session.get(Poll, notice.subject_id)
    if poll is None:
        return None
    lines = [
        t._("📊 A new poll is open: «{title}».").format(title=poll.title),
        t._("Open until {date}.").format(date=t.datetime(poll.closes_at)),
    ]
    rows = [[Button(t._("✍️ Answer"), OpenPoll(poll.id))], [back_to_menu(t)]]
    return [Reply("\n".join(lines), rows)]


NOTICE_RENDERERS: dict[str, NoticeRenderer] = {OPENED_NOTICE: render_opened}
