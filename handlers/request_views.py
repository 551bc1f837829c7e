"""How requests for public information read in chat: statuses, deadlines and why."""

from __future__ import annotations

from civic.deadlines import Deadline, Lateness, TermRule, TimeLeft
from civic.information_requests import RefusalReason
from handlers import petition_views as views
from handlers.texts import Texts
from storage.models import InformationRequest, RequestStatus


def status_label(t: Texts, status: RequestStatus) -> str:
    labels = {
        RequestStatus.SUBMITTED: t._("awaiting the answer"),
        RequestStatus.CLARIFICATION: t._("the authority asks you to clarify"),
        RequestStatus.EXTENDED: t._("term extended to 20 working days"),
        RequestStatus.ANSWERED: t._("answered"),
        RequestStatus.PARTLY_ANSWERED: t._("partly answered"),
        RequestStatus.REFUSED: t._("refused"),
        RequestStatus.WITHDRAWN: t._("withdrawn"),
    }
    return labels[status]


def refusal_label(t: Texts, code: str | None) -> str:
    labels = {
        RefusalReason.NOT_HOLDER.value: t._("the authority does not hold this information"),
        RefusalReason.RESTRICTED.value: t._("the information is of restricted access"),
        RefusalReason.COSTS_UNPAID.value: t._("the costs of copying or printing were not paid"),
        RefusalReason.REQUIREMENTS.value: t._("the request lacks what the law requires"),
    }
    return labels.get(code or "", code or "")


def time_left_label(t: Texts, left: TimeLeft) -> str:
    if left.lateness is Lateness.ON_TIME:
        if left.working_days == 0:
            return t._("due today")
        return t.ngettext(
            "{n} working day left", "{n} working days left", left.working_days
        ).format(n=left.working_days)
    late = t.ngettext(
        "overdue by {n} working day", "overdue by {n} working days", left.working_days
    ).format(n=left.working_days)
    return ("‼ " if left.lateness is Lateness.VERY_OVERDUE else "⚠ ") + late


def explain_deadline(t: Texts, term: Deadline) -> str:
    """The due date and how it was worked out, in a sentence a citizen can check."""
    if term.rule is TermRule.FORTY_EIGHT_HOURS:
        return t._("The answer is due by {due}: 48 hours after the request was received.").format(
            due=t.datetime(term.due_at)
        )
    days = term.rule.working_days or 0
    text = t.ngettext(
        "The answer is due by the end of {due}: {n} working day after {received}, "
        "weekends and public holidays not counted.",
        "The answer is due by the end of {due}: {n} working days after {received}, "
        "weekends and public holidays not counted.",
        days,
    ).format(due=t.date(term.due_on), n=days, received=t.date(term.received_on))
    named = [off for off in term.skipped if off.reason != "weekend"]
    if named:
        days_off = ", ".join(f"{t.date(off.day)} ({off.name})" for off in named)
        text += "\n" + t._("Days off not counted: {days}.").format(days=days_off)
    return text


def request_line(t: Texts, number: int, request: InformationRequest, left: str) -> str:
    authority = views.shorten(views.authority_name(t, request.authority), 40)
    status = status_label(t, request.status)
    return f"{number}. {request.number} · {authority} · {status}" + (f" · {left}" if left else "")


def request_card(t: Texts, request: InformationRequest, left: str) -> str:
    lines = [
        t._("Request {number}").format(number=request.number),
        t._("To: {authority}").format(authority=views.authority_name(t, request.authority)),
        t._("Filed: {date}").format(date=t.date(request.received_at)),
        t._("Status: {status}").format(status=status_label(t, request.status)),
    ]
    if request.status in (RequestStatus.SUBMITTED, RequestStatus.EXTENDED):
        lines.append(t._("Due by: {date} ({left})").format(date=t.date(request.due_at), left=left))
    if request.urgent:
        lines.append(t._("Urgent: the 48-hour term applies."))
    lines += ["", views.shorten(request.body, 700)]
    if request.extension_reason and request.status is RequestStatus.EXTENDED:
        lines += [
            "",
            t._("Reason for the extension: {reason}").format(reason=request.extension_reason),
        ]
    if request.status is RequestStatus.CLARIFICATION and request.clarification_question:
        lines += [
            "",
            t._("The authority asks: {question}").format(question=request.clarification_question),
            t._("The term runs again in full from your answer."),
        ]
    if request.answer_text:
        lines += ["", t._("Answer:"), request.answer_text]
    if request.status is RequestStatus.REFUSED:
        lines += [
            "",
            t._("Refused: {reason}.").format(reason=refusal_label(t, request.refusal_reason)),
            request.refusal_text or "",
        ]
    return "\n".join(lines).rstrip()
