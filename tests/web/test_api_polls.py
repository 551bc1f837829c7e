"""GET /api/v1/polls…: the poll with its questions and options, and the counts only
where the poll lets them be shown (after closing, or once released), equal to the rows."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from civic.clock import FixedClock
from civic.polls import Polls
from storage.db import Database
from storage.poll_models import ResultsShown
from tests.poll_support import HOUR, full_answer, make_citizen, make_poll

Client = TestClient[web.Request, web.Application]


async def _json(client: Client, path: str, status: int = 200) -> Any:
    response = await client.get(path)
    assert response.status == status, await response.text()
    return await response.json()


def _counts(poll: dict[str, Any]) -> list[list[int | None]]:
    return [[option["count"] for option in q["options"]] for q in poll["questions"]]


async def test_sealed_counts_appear_only_once_released_and_equal_the_rows(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A poll whose results wait for release: no count while open nor after closing; once
    released, the counts are the answers given (three citizens), the text answers are
    counted, and the shape is DESIGN's."""
    now = clock.now()
    poll_id, questions, options = await make_poll(
        database, now, results_shown=ResultsShown.ON_RELEASE
    )
    during = now + 2 * HOUR
    for first in (0, 0, 1):
        citizen = await make_citizen(database, now)
        async with database.transaction() as session:
            await Polls(session).answer(
                poll_id, citizen, full_answer(questions, options, first), during
            )
    clock.at = during
    poll = await _json(client, f"/api/v1/polls/{poll_id}")
    assert poll["status"] == "open"
    assert poll["respondents"] == 3
    assert poll["results_visible"] == "on_release"
    assert poll["results_released"] is False
    assert _counts(poll) == [[None, None], [None, None, None], []]
    assert [q["kind"] for q in poll["questions"]] == ["single", "multiple", "text"]
    assert [q["max_choices"] for q in poll["questions"]] == [1, 2, 1]
    assert poll["questions"][2]["answers"] is None
    clock.at = now + 4 * HOUR
    closed = await _json(client, f"/api/v1/polls/{poll_id}")
    assert closed["status"] == "closed"
    assert _counts(closed) == [[None, None], [None, None, None], []]
    async with database.transaction() as session:
        await Polls(session).release(poll_id, clock.now())
    released = await _json(client, f"/api/v1/polls/{poll_id}")
    assert released["results_released"] is True
    assert _counts(released) == [[2, 1], [3, 0, 3], []]
    assert released["questions"][2]["answers"] == 3
    listed = await _json(client, "/api/v1/polls?limit=1")
    assert [item["id"] for item in listed["items"]] == [poll_id]
    assert listed["next"] is None
    await _json(client, "/api/v1/polls/999999", status=404)


async def test_counts_after_answering_are_public_at_once(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A poll that shows results after answering publishes its counts while open (a
    citizen who answered sees them in chat, so the open data has them too)."""
    now = clock.now()
    poll_id, questions, options = await make_poll(
        database, now, results_shown=ResultsShown.AFTER_ANSWER
    )
    citizen = await make_citizen(database, now)
    async with database.transaction() as session:
        await Polls(session).answer(
            poll_id, citizen, full_answer(questions, options), now + 2 * HOUR
        )
    clock.at = now + 2 * HOUR
    poll = await _json(client, f"/api/v1/polls/{poll_id}")
    assert poll["results_released"] is True
    assert _counts(poll) == [[1, 0], [1, 0, 1], []]
