"""E-consultations in the admin web: a draft uploaded as Markdown and as .docx becomes
its sections (a file that is neither is refused with its reason); the draft is replaced
until comments open and not after; a moderator hides a comment with a reason (its author
is told) or publishes one; a moderator cannot record outcomes; the CSV names no author;
the dashboard warns of a report due; another authority's consultation is not found."""

from __future__ import annotations

import io
import re

from aiohttp import FormData
from docx import Document
from sqlalchemy import select

from civic.clock import FixedClock
from civic.consultations import HIDDEN_NOTICE, Consultations
from storage.consultation_models import CommentKind, ConsultationSection
from storage.db import Database
from storage.models import Notice
from storage.official_models import AuditEntry, OfficialRole
from tests.admin.conftest import Client, SignedIn, make_official, sign_in
from tests.consultation_support import DAY, make_citizen, make_consultation
from tests.helpers import make_authority

MARKDOWN = "# Проєкт\n\n## Стаття 1\n\nПерша.\n\n## Стаття 2\n\nДруга.\n"
TERMS = {
    "title": "Проєкт рішення <i>про парки</i>",
    "summary": "Порядок благоустрою парків громади.",
    "affected": "Мешканці громади та підприємства.",
    "opens_at": "2026-11-28T09:00",
    "closes_at": "2026-12-20T18:00",
    "moderation": "automatic",
}


def _docx() -> bytes:
    document = Document()
    for title, text in (("Розділ I", "Один."), ("Розділ II", "Два."), ("Розділ III", "Три.")):
        document.add_heading(title, level=1)
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


async def _upload(
    official: SignedIn, path: str, authority_id: int, filename: str, content: bytes
) -> tuple[int, str]:
    form = FormData()
    form.add_field("csrf_token", official.csrf)
    form.add_field("authority_id", str(authority_id))
    for name, value in TERMS.items():
        form.add_field(name, value)
    form.add_field("draft", content, filename=filename, content_type="application/octet-stream")
    response = await official.client.post(path, data=form, allow_redirects=False)
    return response.status, response.headers.get("Location", "") or await response.text()


async def _sections(database: Database, consultation_id: int) -> list[str]:
    async with database.transaction() as session:
        rows = await session.scalars(
            select(ConsultationSection.title)
            .where(ConsultationSection.consultation_id == consultation_id)
            .order_by(ConsultationSection.number)
        )
        return list(rows)


async def test_drafts_become_sections_and_are_fixed_once_open(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Markdown creates two sections (the title escaped on the page); a PDF is refused;
    a .docx uploaded again replaces them with three; after opening, a new upload is
    refused and the sections stay; each change is audited."""
    authority_id = await make_authority(database, clock.now())
    await make_official(
        database, clock, "clerk@example.org", OfficialRole.OFFICIAL, (authority_id,)
    )
    clerk = await sign_in(client, "clerk@example.org")
    status, where = await _upload(
        clerk, "/admin/consultations/new", authority_id, "draft.md", MARKDOWN.encode()
    )
    assert status == 303, where
    found = re.fullmatch(r"/admin/consultations/(\d+)\?done=created", where)
    assert found
    consultation_id = int(found.group(1))
    assert await _sections(database, consultation_id) == ["Стаття 1", "Стаття 2"]
    page = await (await client.get(f"/admin/consultations/{consultation_id}")).text()
    assert "Проєкт рішення &lt;i&gt;про парки&lt;/i&gt;" in page
    status, said = await _upload(
        clerk, "/admin/consultations/new", authority_id, "draft.docx", b"%PDF-1.4 not a draft"
    )
    assert status == 400
    assert "Upload the draft as a .docx file or as Markdown text" in said
    edit = f"/admin/consultations/{consultation_id}/edit"
    docx_file = _docx()
    status, _where = await _upload(clerk, edit, authority_id, "Проєкт.docx", docx_file)
    assert status == 303
    assert await _sections(database, consultation_id) == ["Розділ I", "Розділ II", "Розділ III"]
    served = await client.get(f"/api/v1/consultations/{consultation_id}/document")
    assert served.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert await served.read() == docx_file
    clock.at = clock.now().replace(day=28, hour=10)
    client.session.cookie_jar.clear()
    clerk = await sign_in(client, "clerk@example.org")
    status, said = await _upload(clerk, edit, authority_id, "draft.md", MARKDOWN.encode())
    assert status == 409
    assert "The consultation has opened" in said
    assert len(await _sections(database, consultation_id)) == 3
    async with database.transaction() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.like("consultation%"))
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["consultation_create", "consultation_edit"]


async def test_moderation_outcomes_csv_and_the_dashboard(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A moderator hides one comment with a reason (its author is owed a notice) and may
    not record outcomes (403); the authority's official records them and the CSV lists
    comments without authors; the dashboard warns of the report due; an official of
    another authority does not find the consultation."""
    consultation_id = await make_consultation(database, clock.now())
    during = clock.now() + 2 * DAY
    authors = [await make_citizen(database, clock.now()) for _ in range(2)]
    async with database.transaction() as session:
        rules = Consultations(session)
        rude = await rules.comment(
            consultation_id, authors[0], 1, CommentKind.COMMENT, "Усі ви дурні.", during
        )
        kind = await rules.comment(
            consultation_id, authors[1], 2, CommentKind.WORDING, "Кошти з бюджету розвитку.", during
        )
        consultation = await rules.get(consultation_id)
        assert consultation is not None
        authority_id = consultation.authority_id
    clock.at = clock.now() + 22 * DAY  # closed; the report is due in 13 days
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    moderator = await sign_in(client, "mod@example.org")
    base = f"/admin/consultations/{consultation_id}"
    hidden = await moderator.post(f"{base}/comments/{rude.id}/hide", reason="Образливі слова")
    assert hidden.status == 303
    refused = await moderator.post(
        f"{base}/outcomes", comment_ids=str(kind.id), outcome="accepted", reason="Так."
    )
    assert refused.status == 403
    client.session.cookie_jar.clear()
    other = await make_authority(database, clock.now(), name="Інша рада")
    await make_official(database, clock, "other@example.org", OfficialRole.OFFICIAL, (other,))
    outsider = await sign_in(client, "other@example.org")
    assert (await outsider.client.get(base)).status == 404
    assert (await outsider.post(f"{base}/report")).status == 404
    client.session.cookie_jar.clear()
    await make_official(
        database, clock, "clerk@example.org", OfficialRole.OFFICIAL, (authority_id,)
    )
    clerk = await sign_in(client, "clerk@example.org")
    assert "Reports due within three days" not in await (await client.get("/admin/")).text()
    clock.at += 11 * DAY
    client.session.cookie_jar.clear()
    clerk = await sign_in(client, "clerk@example.org")
    assert "Reports due within three days" in await (await client.get("/admin/")).text()
    recorded = await clerk.post(
        f"{base}/comments/{kind.id}/outcome", outcome="partly_accepted", reason="Частково."
    )
    assert recorded.status == 303
    assert (await clerk.post(f"{base}/report")).status == 303
    sheet = (await (await client.get(f"{base}/report.csv")).read()).decode("utf-8-sig")
    assert "Кошти з бюджету розвитку.,partly_accepted,Частково." in sheet
    assert "Усі ви дурні" not in sheet  # hidden: not in the report
    assert sheet.split("\r\n", 1)[0] == "comment,section,kind,text,outcome,reason"
    async with database.transaction() as session:
        notices = [(n.kind, n.citizen_id) for n in await session.scalars(select(Notice))]
    assert notices == [(HIDDEN_NOTICE, authors[0])]
