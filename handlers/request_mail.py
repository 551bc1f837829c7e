"""The e-mails the outbox sends, made at sending time in the recipient's language:
requests forwarded to authorities, clarifications, copies of answers, reminders."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from civic.information_requests import MailKind, term_rule
from handlers import petition_views as views
from handlers import request_views as rviews
from handlers.outbox import Letter
from handlers.texts import Texts
from storage.models import InformationRequest, Mail, RequestStatus


async def render_request_mail(session: AsyncSession, mail: Mail, t: Texts) -> Letter | None:
    """The letter for ``mail``; None when what it is about no longer exists."""
    kind = MailKind(mail.kind)
    request = await session.get(InformationRequest, mail.subject_id)
    if request is None:
        return None
    if kind is MailKind.REQUEST_TO_AUTHORITY:
        return _to_authority(t, request)
    if kind is MailKind.CLARIFICATION_TO_AUTHORITY:
        return Letter(
            t._("Clarification to request for information {number}").format(number=request.number),
            "\n".join(
                [
                    t._("The requester answered your question about request {number}.").format(
                        number=request.number
                    ),
                    "",
                    t._("Your question: {text}").format(text=request.clarification_question or ""),
                    t._("The answer: {text}").format(text=request.clarification_answer or ""),
                    "",
                    t._("The term runs again from the answer: due by the end of {date}.").format(
                        date=t.date(request.due_at)
                    ),
                    "",
                    _footer(t),
                ]
            ),
        )
    if kind is MailKind.OFFICIAL_REMINDER:
        return Letter(
            t._("Reminder: the answer to request {number} is due {date}").format(
                number=request.number, date=t.date(request.due_at)
            ),
            "\n".join(
                [
                    t._(
                        "The term for answering request for information {number} ends on "
                        "{date}. The law requires an answer within the term; an extension "
                        "to 20 working days needs its reasons, given to the requester within "
                        "5 working days of receipt."
                    ).format(number=request.number, date=t.datetime(request.due_at)),
                    "",
                    views.shorten(request.body, 2000),
                    "",
                    _footer(t),
                ]
            ),
        )
    return _answer_copy(t, request)


def _to_authority(t: Texts, request: InformationRequest) -> Letter:
    rule = term_rule(request)
    term = t._("48 hours") if rule.working_days is None else t._("5 working days")
    lines = [
        t._(
            "A request for public information under the Law of Ukraine \u201cOn Access to "
            "Public Information\u201d."
        ),
        "",
        t._("Number: {number}").format(number=request.number),
        t._("Received: {time}").format(time=t.datetime(request.received_at)),
        t._("Requester: {name}").format(name=request.requester_name),
        t._("Term: {term}, due by {time}").format(term=term, time=t.datetime(request.due_at)),
    ]
    if request.urgent:
        lines.append(
            t._(
                "Urgent: the requester says the information concerns life or liberty, the "
                "environment or an emergency."
            )
        )
    if request.reply_email:
        lines.append(
            t._("The requester also asks for the answer by e-mail: {email}").format(
                email=request.reply_email
            )
        )
    lines += ["", t._("The request:"), request.body, "", _footer(t)]
    return Letter(
        t._("Request for public information {number}").format(number=request.number),
        "\n".join(lines),
    )


def _answer_copy(t: Texts, request: InformationRequest) -> Letter:
    authority = views.authority_name(t, request.authority)
    if request.status is RequestStatus.REFUSED:
        body = (
            t._("The authority refused: {reason}.").format(
                reason=rviews.refusal_label(t, request.refusal_reason)
            )
            + "\n"
            + (request.refusal_text or "")
        )
    else:
        body = request.answer_text or ""
    return Letter(
        t._("The answer to your request {number}").format(number=request.number),
        "\n".join(
            [
                t._("Request {number} to {authority}:").format(
                    number=request.number, authority=authority
                ),
                "",
                body,
                "",
                t._("Files the authority attached are in the chat, under My requests."),
                "",
                _footer(t),
            ]
        ),
    )


def _footer(t: Texts) -> str:
    return t._("Sent by VzayemoDiia. Please do not reply to this address.")


# The renderer of each mail kind this module writes (its module declaration's mails).
MAIL_RENDERERS = {kind.value: render_request_mail for kind in MailKind}
