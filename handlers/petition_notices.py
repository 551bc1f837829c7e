"""What a citizen is told when a petition of theirs changes in the officials' hands
(published or rejected, to its author; answered, to every signer), in their language."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from civic.petitions import PetitionNotice
from handlers import petition_views as views
from handlers.common import back_to_menu
from handlers.outbox import NoticeRenderer
from handlers.petition_payloads import OpenPetition
from handlers.replies import Button, Reply
from handlers.texts import Texts
from storage.models import Notice, Petition


async def render_petition_notice(
    session: AsyncSession, notice: Notice, t: Texts
) -> list[Reply] | None:
    """The reply for ``notice``; None when the petition no longer exists."""
    petition = await session.get(Petition, notice.subject_id)
    if petition is None:
        return None
    kind = PetitionNotice(notice.kind)
    title = views.shorten(petition.title, 120)
    if kind is PetitionNotice.PUBLISHED:
        text = t._(
            "✅ Your petition No. {id} «{title}» is published. Signatures are collected "
            "until {date}; share it so that others can sign."
        ).format(id=petition.id, title=title, date=t.date(petition.closes_at or notice.created_at))
    elif kind is PetitionNotice.REJECTED:
        text = t._(
            "Your petition No. {id} «{title}» was not published. The moderator's reason: {reason}"
        ).format(id=petition.id, title=title, reason=petition.rejection_reason or "")
    else:
        text = t._("📨 The authority answered petition No. {id} «{title}»:\n\n{answer}").format(
            id=petition.id, title=title, answer=petition.answer_text or ""
        )
    rows = [[Button(t._("📄 Open the petition"), OpenPetition(petition.id))], [back_to_menu(t)]]
    return [Reply(text, rows)]


NOTICE_RENDERERS: dict[str, NoticeRenderer] = {
    kind.value: render_petition_notice for kind in PetitionNotice
}
