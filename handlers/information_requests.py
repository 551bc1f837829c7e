"""Requests for public information in chat: filing one step by step, then "My requests"
(status, days left, the answer, answering a clarification, withdrawing)."""

from __future__ import annotations

import enum

from civic.authorities import Authorities
from civic.deadlines import time_left
from civic.information_requests import (
    BODY_RULE,
    CLARIFICATION_RULE,
    NAME_RULE,
    OPEN,
    InformationRequests,
    RequestDraft,
    RequestError,
    reply_email,
)
from civic.text import TextProblem
from civic.working_days import WorkingCalendar
from handlers import petition_views as views
from handlers import request_views as rviews
from handlers.common import back_to_menu
from handlers.context import Context
from handlers.directory_payloads import Directory
from handlers.flow_support import accept_text, cancel_row, offer_authorities, yes_or_no
from handlers.flows import Flow, Gathered
from handlers.replies import Button
from handlers.request_notices import answer_documents
from handlers.request_payloads import (
    AnswerBy,
    AnswerClarification,
    ChooseAnswerBy,
    ChooseUrgency,
    ConfirmWithdrawal,
    MyRequests,
    NewRequest,
    OpenRequest,
    RequestAuthority,
    RequestsSection,
    SendRequest,
    WithdrawRequest,
)
from handlers.router import Router
from storage.models import InformationRequest, RequestStatus

router = Router(
    "information_requests",
    intro=lambda t: t._("ask authorities for public information, with a legal deadline"),
    intro_order=20,
)
router.menu_entry(20, lambda t: t._("📨 Information requests"), RequestsSection())
router.profile_entry(20, lambda t: t._("📂 My requests"), MyRequests())


class Step(enum.StrEnum):
    AUTHORITY = "authority"
    BODY = "body"
    URGENT = "urgent"
    DELIVERY = "delivery"
    EMAIL = "email"
    NAME = "name"
    REVIEW = "review"


class Draft(Gathered):
    """What the citizen has given so far; complete once at the review."""

    authority_id: int | None = None
    body: str | None = None
    urgent: bool | None = None
    email: str | None = None
    name: str | None = None

    def complete(self) -> RequestDraft | None:
        if self.authority_id is None or self.body is None or self.urgent is None:
            return None
        if self.name is None:
            return None
        return RequestDraft(
            authority_id=self.authority_id,
            body=self.body,
            requester_name=self.name,
            urgent=self.urgent,
            reply_email=self.email,
        )


class ClarifyStep(enum.StrEnum):
    ANSWER = "answer"


class Clarifying(Gathered):
    request_id: int


FLOW = Flow("new_request", Step, Draft)
CLARIFY = Flow("clarify_request", ClarifyStep, Clarifying)


@router.button(RequestsSection)
async def section(ctx: Context, _press: RequestsSection) -> None:
    t = ctx.t
    ctx.state.leave()
    ctx.reply(
        t._(
            "Information requests. Anyone may ask a public authority for information it "
            "holds, without giving reasons. The answer is due within 5 working days, or "
            "within 48 hours when life, liberty, the environment or an emergency is at stake."
        ),
        [
            [Button(t._("✍ New request"), NewRequest())],
            [Button(t._("📂 My requests"), MyRequests())],
            [Button(t._("🏛 Directory of authorities"), Directory())],
            [back_to_menu(t)],
        ],
    )


# --- filing ---------------------------------------------------------------------------


@router.command("request", description=lambda t: t._("Request public information"), order=20)
async def request_command(ctx: Context, _payload: str) -> None:
    await start(ctx, NewRequest())


@router.button(NewRequest)
async def start(ctx: Context, _press: NewRequest) -> None:
    FLOW.go(ctx.state, Step.AUTHORITY, Draft())
    await _offer_authorities(ctx, "")


async def _offer_authorities(ctx: Context, query: str) -> None:
    intro = ctx.t._(
        "Step 1 of 5. Which authority holds the information? "
        "Choose one, or type words from its name to search."
    )
    await offer_authorities(ctx, query, intro, RequestAuthority)


@router.step(FLOW, Step.AUTHORITY)
async def authority_typed(ctx: Context, text: str) -> None:
    await _offer_authorities(ctx, text)


@router.button(RequestAuthority)
async def authority_chosen(ctx: Context, press: RequestAuthority) -> None:
    t = ctx.t
    authority = await Authorities(ctx.session).get(press.authority_id)
    if authority is None:
        await start(ctx, NewRequest())
        return
    FLOW.go(ctx.state, Step.BODY, Draft(authority_id=authority.id))
    ctx.reply(
        t._("To: {name}.").format(name=views.authority_name(t, authority))
        + "\n\n"
        + t._(
            "Step 2 of 5. Describe the information you want: which document or data, for "
            "what period, and any detail that helps to find it (a number, a date, a title). "
            "You need not say why you want it. From {min} to {max} characters, as one "
            "message."
        ).format(min=BODY_RULE.min_chars, max=t.number(BODY_RULE.max_chars)),
        [cancel_row(ctx.t)],
    )


async def _draft(ctx: Context) -> Draft | None:
    """The draft so far; when the state cannot be read, the flow starts again."""
    draft = FLOW.gathered(ctx.state)
    if draft is None:
        await start(ctx, NewRequest())
    return draft


@router.step(FLOW, Step.BODY)
async def body_typed(ctx: Context, text: str) -> None:
    body = accept_text(ctx, text, BODY_RULE, ctx.t._("request"))
    draft = await _draft(ctx) if body is not None else None
    if draft is None:
        return
    FLOW.go(ctx.state, Step.URGENT, draft.model_copy(update={"body": body}))
    _ask_urgent(ctx)


def _ask_urgent(ctx: Context) -> None:
    t = ctx.t
    ctx.reply(
        t._(
            "Step 3 of 5. Is the information needed to protect someone's life or liberty, "
            "or does it concern the state of the environment or an emergency? Then the "
            "answer is due within 48 hours."
        ),
        [
            [Button(t._("⚡ Yes: within 48 hours"), ChooseUrgency(urgent=True))],
            [Button(t._("No: within 5 working days"), ChooseUrgency(urgent=False))],
            cancel_row(ctx.t),
        ],
    )


@router.step(FLOW, Step.URGENT)
async def urgent_typed(ctx: Context, text: str) -> None:
    answer = yes_or_no(text)
    if answer is not None:
        await urgent_chosen(ctx, ChooseUrgency(urgent=answer))
        return
    ctx.reply(ctx.t._("Please answer yes or no."))
    _ask_urgent(ctx)


@router.button(ChooseUrgency)
async def urgent_chosen(ctx: Context, press: ChooseUrgency) -> None:
    t = ctx.t
    draft = FLOW.gathered(ctx.state)
    if draft is None or draft.body is None:
        await start(ctx, NewRequest())
        return
    FLOW.go(ctx.state, Step.DELIVERY, draft.model_copy(update={"urgent": press.urgent}))
    ctx.reply(
        t._("Step 4 of 5. How would you like to get the answer?"),
        [
            [Button(t._("💬 In this chat"), ChooseAnswerBy(AnswerBy.CHAT))],
            [Button(t._("💬 ✉ In this chat and by e-mail"), ChooseAnswerBy(AnswerBy.EMAIL))],
            cancel_row(ctx.t),
        ],
    )


@router.button(ChooseAnswerBy)
async def delivery_chosen(ctx: Context, press: ChooseAnswerBy) -> None:
    t = ctx.t
    draft = FLOW.gathered(ctx.state)
    if draft is None or draft.urgent is None:
        await start(ctx, NewRequest())
        return
    draft = draft.model_copy(update={"email": None})
    if press.answer_by is AnswerBy.EMAIL:
        FLOW.go(ctx.state, Step.EMAIL, draft)
        ctx.reply(t._("Type the e-mail address for the answer:"), [cancel_row(ctx.t)])
        return
    _ask_name(ctx, draft)


@router.step(FLOW, Step.EMAIL)
async def email_typed(ctx: Context, text: str) -> None:
    email = reply_email(text)
    if email is None:
        ctx.reply(
            ctx.t._("That does not look like an e-mail address. Please type it again:"),
            [cancel_row(ctx.t)],
        )
        return
    draft = await _draft(ctx)
    if draft is not None:
        _ask_name(ctx, draft.model_copy(update={"email": email}))


def _ask_name(ctx: Context, draft: Draft) -> None:
    FLOW.go(ctx.state, Step.NAME, draft)
    ctx.reply(
        ctx.t._(
            "Step 5 of 5. The law asks for the requester's name. "
            "Type your name and surname as the authority should address you:"
        ),
        [cancel_row(ctx.t)],
    )


@router.step(FLOW, Step.NAME)
async def name_typed(ctx: Context, text: str) -> None:
    name = accept_text(ctx, text, NAME_RULE, ctx.t._("name"))
    draft = await _draft(ctx) if name is not None else None
    if draft is None:
        return
    FLOW.go(ctx.state, Step.REVIEW, draft.model_copy(update={"name": name}))
    await _review(ctx)


async def _review(ctx: Context) -> None:
    t = ctx.t
    gathered = await _draft(ctx)
    draft = None if gathered is None else gathered.complete()
    authority = None if draft is None else await Authorities(ctx.session).get(draft.authority_id)
    if draft is None or authority is None:
        await start(ctx, NewRequest())
        return
    urgent = draft.urgent
    answer_by = (
        t._("in this chat and by e-mail to {email}").format(email=draft.reply_email)
        if draft.reply_email is not None
        else t._("in this chat")
    )
    text = "\n".join(
        [
            t._("Please check your request:"),
            "",
            t._("To: {authority}").format(authority=views.authority_name(t, authority)),
            t._("From: {name}").format(name=draft.requester_name),
            t._("Term: {term}").format(term=t._("48 hours") if urgent else t._("5 working days")),
            t._("Answer: {how}").format(how=answer_by),
            "",
            draft.body,
        ]
    )
    ctx.reply(
        text,
        [
            [Button(t._("✅ Send the request"), SendRequest())],
            [Button(t._("✏ Start over"), NewRequest()), cancel_row(t)[0]],
        ],
    )


@router.step(FLOW, Step.REVIEW)
async def review_typed(ctx: Context, _text: str) -> None:
    ctx.reply(ctx.t._("Please choose one of the options below."))
    await _review(ctx)


@router.button(SendRequest)
async def submit(ctx: Context, _press: SendRequest) -> None:
    t = ctx.t
    gathered = FLOW.gathered(ctx.state)
    draft = None if gathered is None else gathered.complete()
    if FLOW.step(ctx.state) is not Step.REVIEW or draft is None:
        ctx.reply(
            t._("There is no request draft to send: it was already sent or cancelled."),
            ctx.main_menu_buttons(),
        )
        return
    requests = InformationRequests(ctx.session, ctx.config.zone)
    try:
        filed = await requests.file(draft, ctx.citizen.id, ctx.channel, ctx.account.locale, ctx.now)
    except (RequestError, TextProblem):
        ctx.state.leave()
        ctx.reply(
            t._("This draft can no longer be sent. Please start again."), ctx.main_menu_buttons()
        )
        return
    ctx.state.leave()
    ctx.reply(
        t._("📨 Your request is registered under No. {number}.").format(number=filed.request.number)
        + "\n"
        + rviews.explain_deadline(t, filed.deadline)
        + "\n\n"
        + t._("You will be told here when the status changes. Follow it under My requests."),
        [[Button(t._("📂 My requests"), MyRequests())], [back_to_menu(t)]],
    )


# --- my requests ------------------------------------------------------------------------


def _left(ctx: Context, request: InformationRequest, calendar: WorkingCalendar) -> str:
    if request.status not in (RequestStatus.SUBMITTED, RequestStatus.EXTENDED):
        return ""
    return rviews.time_left_label(ctx.t, time_left(request.due_at, ctx.now, calendar))


@router.command("myrequests", description=lambda t: t._("My information requests"), order=21)
async def my_requests_command(ctx: Context, _payload: str) -> None:
    await my_requests(ctx, MyRequests())


@router.button(MyRequests)
async def my_requests(ctx: Context, _press: MyRequests) -> None:
    t = ctx.t
    ctx.state.leave()
    requests = InformationRequests(ctx.session, ctx.config.zone)
    found = await requests.of_citizen(ctx.citizen.id)
    if not found:
        ctx.reply(
            t._("You have not filed any information requests yet."),
            [[Button(t._("✍ New request"), NewRequest())], [back_to_menu(t)]],
        )
        return
    shown = found[:10]
    calendar = await requests.calendar()  # once for the whole list
    lines = [t._("My requests (newest first):"), ""]
    rows = []
    for number, request in enumerate(shown, start=1):
        lines.append(rviews.request_line(t, number, request, _left(ctx, request, calendar)))
        rows.append([Button(request.number, OpenRequest(request.id))])
    rows.append([Button(t._("✍ New request"), NewRequest()), back_to_menu(t)])
    ctx.reply("\n".join(lines), rows)


async def _mine(ctx: Context, request_id: int) -> InformationRequest | None:
    """The citizen's own request; someone else's does not exist for them (the rules')."""
    requests = InformationRequests(ctx.session, ctx.config.zone)
    return await requests.mine(request_id, ctx.citizen.id)


@router.button(OpenRequest)
async def open_request(ctx: Context, press: OpenRequest) -> None:
    t = ctx.t
    request = await _mine(ctx, press.request_id)
    if request is None:
        await my_requests(ctx, MyRequests())
        return
    rows = []
    if request.status is RequestStatus.CLARIFICATION:
        rows.append([Button(t._("✍ Answer the question"), AnswerClarification(request.id))])
    if request.status in OPEN:
        rows.append([Button(t._("↩ Withdraw the request"), WithdrawRequest(request.id))])
    rows.append([Button(t._("📂 My requests"), MyRequests()), back_to_menu(t)])
    documents = await answer_documents(ctx.session, request)
    calendar = await InformationRequests(ctx.session, ctx.config.zone).calendar()
    left = _left(ctx, request, calendar)
    ctx.reply(rviews.request_card(t, request, left), rows, documents=documents)


@router.button(AnswerClarification)
async def clarify(ctx: Context, press: AnswerClarification) -> None:
    request = await _mine(ctx, press.request_id)
    if request is None or request.status is not RequestStatus.CLARIFICATION:
        await my_requests(ctx, MyRequests())
        return
    CLARIFY.go(ctx.state, ClarifyStep.ANSWER, Clarifying(request_id=request.id))
    ctx.reply(
        ctx.t._("Type your answer to the authority's question, as one message:"),
        [cancel_row(ctx.t)],
    )


@router.step(CLARIFY, ClarifyStep.ANSWER)
async def clarification_typed(ctx: Context, text: str) -> None:
    t = ctx.t
    answer = accept_text(ctx, text, CLARIFICATION_RULE, t._("answer"))
    if answer is None:
        return
    clarifying = CLARIFY.gathered(ctx.state)
    ctx.state.leave()
    if clarifying is None:
        await my_requests(ctx, MyRequests())
        return
    requests = InformationRequests(ctx.session, ctx.config.zone)
    request_id = clarifying.request_id
    try:
        filed = await requests.answer_clarification(request_id, ctx.citizen.id, answer, ctx.now)
    except RequestError:
        ctx.reply(t._("This request no longer waits for your answer."), [[back_to_menu(t)]])
        return
    ctx.reply(
        t._("Your answer is sent to the authority. The term runs again from today.")
        + "\n"
        + rviews.explain_deadline(t, filed.deadline),
        [[Button(t._("📂 My requests"), MyRequests()), back_to_menu(t)]],
    )


@router.button(WithdrawRequest)
async def withdraw(ctx: Context, press: WithdrawRequest) -> None:
    t = ctx.t
    request = await _mine(ctx, press.request_id)
    if request is None or request.status not in OPEN:
        await my_requests(ctx, MyRequests())
        return
    ctx.reply(
        t._("Withdraw request {number}? The authority will not answer it.").format(
            number=request.number
        ),
        [
            [Button(t._("Yes, withdraw"), ConfirmWithdrawal(request.id))],
            [Button(t._("No, keep it"), OpenRequest(request.id))],
        ],
    )


@router.button(ConfirmWithdrawal)
async def withdraw_confirmed(ctx: Context, press: ConfirmWithdrawal) -> None:
    t = ctx.t
    request = await _mine(ctx, press.request_id)
    if request is None:
        await my_requests(ctx, MyRequests())
        return
    try:
        await InformationRequests(ctx.session).withdraw(request.id, ctx.citizen.id, ctx.now)
    except RequestError:
        await open_request(ctx, OpenRequest(request.id))
        return
    ctx.reply(
        t._("Request {number} is withdrawn.").format(number=request.number),
        [[Button(t._("📂 My requests"), MyRequests()), back_to_menu(t)]],
    )
