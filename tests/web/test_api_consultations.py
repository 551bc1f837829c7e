"""GET /api/v1/consultations…: the sections with counts equal to the rows (published
comments only, one stance per citizen), no report before it is published, and the
report's outcomes with no author after."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from civic.clock import FixedClock
from civic.consultations import Consultations
from storage.consultation_models import (
    CommentKind,
    CommentStatus,
    ConsultationComment,
    ConsultationStance,
    Outcome,
    Stance,
)
from storage.db import Database
from tests.consultation_support import DAY, make_citizen, make_consultation

Client = TestClient[web.Request, web.Application]


async def _json(client: Client, path: str, status: int = 200) -> Any:
    response = await client.get(path)
    assert response.status == status, await response.text()
    return await response.json()


async def test_counts_equal_the_rows_and_the_report_names_no_author(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Three citizens: stances (one changed), published, withdrawn comments; the API's
    counts are the rows' counts; after the report, its outcomes and counts, and nothing
    about who wrote them."""
    consultation_id = await make_consultation(database, clock.now())
    during = clock.now() + 2 * DAY
    citizens = [await make_citizen(database, clock.now()) for _ in range(3)]
    async with database.transaction() as session:
        rules = Consultations(session)
        for citizen in citizens:
            await rules.set_stance(consultation_id, citizen, 1, Stance.SUPPORT, during)
        await rules.set_stance(consultation_id, citizens[2], 1, Stance.OBJECT, during)
        await rules.set_stance(consultation_id, citizens[0], 0, Stance.OBJECT, during)
        kept = [
            await rules.comment(consultation_id, citizen, 1, CommentKind.COMMENT, text, during)
            for citizen, text in zip(citizens[:2], ("Додати лавки.", "Додати світло."), strict=True)
        ]
        gone = await rules.comment(
            consultation_id, citizens[2], 2, CommentKind.WORDING, "Інша редакція.", during
        )
        await rules.withdraw(gone.id, citizens[2], during)
    clock.at = during
    published = await _json(client, f"/api/v1/consultations/{consultation_id}")
    assert published["status"] == "open"
    assert published["report"] is None
    async with database.transaction() as session:
        rows = await session.scalar(
            select(func.count())
            .select_from(ConsultationComment)
            .where(ConsultationComment.status == CommentStatus.PUBLISHED)
        )
        stances = await session.scalar(select(func.count()).select_from(ConsultationStance))
    sections = published["sections"]
    assert (
        sum(s["comment_count"] for s in sections) + published["whole_draft"]["comment_count"]
        == rows
    )
    counted_stances = sum(s["support_count"] + s["object_count"] for s in sections)
    whole = published["whole_draft"]
    assert counted_stances + whole["support_count"] + whole["object_count"] == stances
    assert [(s["number"], s["support_count"], s["object_count"]) for s in sections] == [
        (1, 2, 1),
        (2, 0, 0),
        (3, 0, 0),
    ]
    clock.at = clock.now() + 30 * DAY
    async with database.transaction() as session:
        rules = Consultations(session)
        await rules.record_outcome(
            consultation_id, [c.id for c in kept], Outcome.ACCEPTED, "Враховано.", clock.now()
        )
        await rules.publish_report(consultation_id, clock.now())
    reported = await _json(client, f"/api/v1/consultations/{consultation_id}")
    assert reported["status"] == "reported"
    assert reported["report"]["counts"] == {"accepted": 2, "partly_accepted": 0, "rejected": 0}
    assert [c["text"] for c in reported["report"]["comments"]] == [
        "Додати лавки.",
        "Додати світло.",
    ]
    assert all(
        set(c) == {"section_id", "kind", "text", "outcome", "reason"}
        for c in reported["report"]["comments"]
    )
    listed = await _json(client, "/api/v1/consultations")
    assert [item["id"] for item in listed["items"]] == [consultation_id]
    await _json(client, "/api/v1/consultations/99999999", status=404)
