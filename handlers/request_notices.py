"""What a citizen is told when their information request changes without them asking
(the outbox's notices), in their language: the text is made when the notice is sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from civic.information_requests import InformationRequests, NoticeKind
from handlers import petition_views as views
from handlers import request_views as rviews
from handlers.common import back_to_menu
from handlers.replies import Button, Document, Reply
from handlers.request_payloads import AnswerClarification, OpenRequest
from handlers.texts import Texts
from storage.models import InformationRequest, Notice, RequestStatus


async def render_request_notice(
    session: AsyncSession, notice: Notice, t: Texts
) -> list[Reply] | None:
    """The replies for ``notice``; None when what it is about no longer exists."""
    kind = NoticeKind(notice.kind)
    request = await session.get(InformationRequest, notice.subject_id)
    if request is None:
        return None
    header = t._("Request {number} to {authority}:").format(
        number=request.number, authority=views.authority_name(t, request.authority)
    )
    body = _body(t, kind, request, notice)
    rows: list[list[Button]] = []
    if kind is NoticeKind.CLARIFICATION and request.status is RequestStatus.CLARIFICATION:
        rows.append([Button(t._("✍ Answer the question"), AnswerClarification(request.id))])
    rows.append([Button(t._("📂 Open the request"), OpenRequest(request.id))])
    rows.append([back_to_menu(t)])
    documents = await answer_documents(session, request) if kind is NoticeKind.ANSWERED else []
    return [Reply(header + "\n" + body, rows, documents=documents)]


async def answer_documents(session: AsyncSession, request: InformationRequest) -> list[Document]:
    """The files the authority answered with, to send along with the answer."""
    files = await InformationRequests(session).attachments(request.id)
    return [Document(f.id, f.filename, f.media_type, f.content) for f in files]


def _body(t: Texts, kind: NoticeKind, request: InformationRequest, notice: Notice) -> str:
    if kind is NoticeKind.CLARIFICATION:
        return t._(
            "The authority asks you to clarify: {question}\n"
            "The clock stops until you answer; then the term runs again in full."
        ).format(question=request.clarification_question or "")
    if kind is NoticeKind.EXTENDED:
        return t._(
            "The authority extended the term to 20 working days. Reason: {reason}\n"
            "The answer is now due by the end of {date}."
        ).format(reason=request.extension_reason or "", date=t.date(request.due_at))
    if kind is NoticeKind.ANSWERED:
        lead = (
            t._("✅ The authority answered in part:")
            if request.status is RequestStatus.PARTLY_ANSWERED
            else t._("✅ The authority answered:")
        )
        return lead + "\n\n" + (request.answer_text or "")
    if kind is NoticeKind.REFUSED:
        return (
            t._("The authority refused: {reason}.").format(
                reason=rviews.refusal_label(t, request.refusal_reason)
            )
            + "\n"
            + (request.refusal_text or "")
            + "\n\n"
            + t._(
                "You may appeal a refusal to the head of the authority, to the Ukrainian "
                "Parliament Commissioner for Human Rights, or in court."
            )
        )
    if kind is NoticeKind.DUE_MOVED:
        old = datetime.fromisoformat(str(notice.payload.get("old_due_at")))
        return t._(
            "The working-day calendar changed: the answer is now due by the end of {new} "
            "(before: {old})."
        ).format(new=t.date(request.due_at), old=t.date(old))
    return t._(
        "⚠ The answer is overdue: it was due by the end of {date}. You may remind the "
        "authority (its contacts are in the directory), complain to its head or to the "
        "Ukrainian Parliament Commissioner for Human Rights, or go to court."
    ).format(date=t.date(request.due_at))


# The renderer of each notice kind this module writes (its module declaration's notices).
NOTICE_RENDERERS = {kind.value: render_request_notice for kind in NoticeKind}
