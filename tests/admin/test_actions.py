"""Officials' actions through the admin web: each changes what the civic rules say, owes
the citizens their notices, and leaves one audit entry with the values before and after."""

from __future__ import annotations

from sqlalchemy import func, select, text

from civic.clock import FixedClock
from storage.db import Database
from storage.models import (
    Citizen,
    InformationRequest,
    Notice,
    Petition,
    PetitionStatus,
    RequestAttachment,
    RequestStatus,
    Signature,
)
from storage.official_models import AuditEntry, OfficialRole
from storage.outbox_models import FanOut
from tests.admin.conftest import Client, file_request, make_official, sign_in
from tests.admin.test_access import _petition_in_moderation
from tests.helpers import make_authority
from tests.outbox_support import expand_fan_outs


async def _audit(database: Database, action: str) -> list[AuditEntry]:
    async with database.transaction() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return list(rows.all())


async def test_publishing_tells_the_author_and_is_audited(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A moderator publishes: the petition opens, its author is owed a notice, and the
    audit log holds who did it with the status before and after."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    petition_id = await _petition_in_moderation(database, clock, "Перехід біля школи №2")
    signed_in = await sign_in(client, "mod@example.org")
    response = await signed_in.post(f"/admin/petitions/{petition_id}/publish")
    assert response.status == 303
    async with database.transaction() as session:
        petition = await session.get(Petition, petition_id)
        assert petition is not None
        assert petition.status is PetitionStatus.OPEN
        notices = (
            await session.scalars(select(Notice).where(Notice.subject_id == petition_id))
        ).all()
    assert [(n.citizen_id, n.kind) for n in notices] == [
        (petition.author_citizen_id, "petition_published")
    ]
    page = await (await client.get(f"/admin/petitions/{petition_id}")).text()
    assert "collecting signatures" in page  # the status as the chat names it
    [entry] = await _audit(database, "petition_publish")
    assert entry.official_email == "mod@example.org"
    assert entry.address == "127.0.0.1"
    assert entry.before is not None
    assert entry.before["status"] == "moderation"
    assert entry.after is not None
    assert entry.after["status"] == "open"


async def test_rejecting_needs_a_reason_and_tells_the_author(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A rejection without a reason is refused with the form again; with one, the
    petition is rejected and the author is owed the reason."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    petition_id = await _petition_in_moderation(database, clock, "Перехід біля школи №3")
    signed_in = await sign_in(client, "mod@example.org")
    empty = await signed_in.post(f"/admin/petitions/{petition_id}/reject", reason="  ")
    assert empty.status == 400
    assert "The text is empty." in await empty.text()
    done = await signed_in.post(
        f"/admin/petitions/{petition_id}/reject", reason="Петиція не стосується повноважень ради."
    )
    assert done.status == 303
    async with database.transaction() as session:
        petition = await session.get(Petition, petition_id)
        assert petition is not None
        assert petition.status is PetitionStatus.REJECTED
        kinds = (await session.scalars(select(Notice.kind))).all()
    assert kinds == ["petition_rejected"]
    assert len(await _audit(database, "petition_reject")) == 1


async def test_an_answer_reaches_every_signer_once(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Recording the answer owes one notice to each signer, on the messenger they signed
    with (the author too, who did not sign); a moderator may not answer."""
    authority_id = await make_authority(database, clock.now(), name="Рада відповіді")
    await make_official(database, clock, "off@example.org", OfficialRole.OFFICIAL, (authority_id,))
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    petition_id = await _petition_in_moderation(database, clock, "Перехід біля школи №4")
    async with database.transaction() as session:
        await session.execute(
            text("UPDATE petition SET status = 'awaiting_answer', authority_id = :a WHERE id = :p"),
            {"a": authority_id, "p": petition_id},
        )
        for channel in ("telegram", "viber", "telegram"):
            citizen = Citizen(created_at=clock.now())
            session.add(citizen)
            await session.flush()
            session.add(
                Signature(
                    petition_id=petition_id,
                    citizen_id=citizen.id,
                    channel=channel,
                    signed_at=clock.now(),
                )
            )
    moderator = await sign_in(client, "mod@example.org")
    refused = await moderator.post(f"/admin/petitions/{petition_id}/answer", text="Відповідь ради.")
    assert refused.status == 403
    client.session.cookie_jar.clear()
    official = await sign_in(client, "off@example.org")
    done = await official.post(
        f"/admin/petitions/{petition_id}/answer",
        text="Рада погодила облаштування переходу у 2027 році.",
    )
    assert done.status == 303
    async with database.transaction() as session:
        # The answer itself owes the signers one fan-out row; the worker expands it.
        assert await session.scalar(select(func.count()).select_from(FanOut)) == 1
        assert await session.scalar(select(func.count()).select_from(Notice)) == 1  # author
    assert await expand_fan_outs(database, clock.now()) == 3
    async with database.transaction() as session:
        notices = (await session.scalars(select(Notice))).all()
        signers = set((await session.scalars(select(Signature.citizen_id))).all())
        petition = await session.get(Petition, petition_id)
        assert petition is not None
    told = [n.citizen_id for n in notices]
    assert sorted(told) == sorted([*signers, petition.author_citizen_id])
    assert {n.kind for n in notices} == {"petition_answered"}
    assert sorted(n.channel for n in notices if n.citizen_id in signers) == [
        "telegram",
        "telegram",
        "viber",
    ]


async def test_an_answer_with_a_file_reaches_the_request(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """An official answers a request with a file (multipart): the request is answered,
    the file stored, the citizen owed the notice, and the audit entry names the file."""
    authority_id = await make_authority(database, clock.now(), name="Рада запитів")
    await make_official(database, clock, "off@example.org", OfficialRole.OFFICIAL, (authority_id,))
    request_id = await file_request(
        database,
        clock,
        authority_id,
        "Прошу надати копію рішення про бюджет громади на 2026 рік з додатками.",
        "viber",
    )
    signed_in = await sign_in(client, "off@example.org")
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("csrf_token", signed_in.csrf)
    form.add_field("text", "Надсилаємо копію рішення про бюджет у додатку.")
    form.add_field(
        "files", b"%PDF-1.4 budget", filename="budget.pdf", content_type="application/pdf"
    )
    response = await client.post(
        f"/admin/requests/{request_id}/answer", data=form, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    async with database.transaction() as session:
        request = await session.get(InformationRequest, request_id)
        assert request is not None
        assert request.status is RequestStatus.ANSWERED
        files = (await session.scalars(select(RequestAttachment))).all()
        kinds = (await session.scalars(select(Notice.kind))).all()
    assert [(f.filename, f.content) for f in files] == [("budget.pdf", b"%PDF-1.4 budget")]
    assert kinds == ["request_answered"]
    [entry] = await _audit(database, "request_answer")
    assert entry.after is not None
    assert entry.after["files"] == ["budget.pdf"]


async def test_the_audit_log_refuses_changes(database: Database, clock: FixedClock) -> None:
    """UPDATE and DELETE on the audit log fail, on both databases."""
    import pytest

    from civic.audit import Actor, record

    async with database.transaction() as session:
        record(
            session, Actor(None, "test"), action="x", object_type="y", object_id=1, now=clock.now()
        )
    for statement in ("UPDATE audit_entry SET action = 'changed'", "DELETE FROM audit_entry"):
        with pytest.raises(Exception, match="never changed"):
            async with database.transaction() as session:
                await session.execute(text(statement))
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 1
