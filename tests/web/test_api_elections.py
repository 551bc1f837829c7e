"""GET /api/v1/elections…: the election with its candidates, results only after the
count, the two published lists (no link between them, equal counts, digests that match
their canonical JSON) and the receipt check."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from yarl import URL

from civic.ballot_lists import digest, receipt_hash
from civic.clock import FixedClock
from storage.db import Database
from tests.election_support import BALLOTS, counted_election

Client = TestClient[web.Request, web.Application]


async def _json(client: Client, path: str, status: int = 200) -> Any:
    response = await client.get(path)
    assert response.status == status, await response.text()
    return await response.json()


async def _all(client: Client, path: str) -> tuple[list[Any], dict[str, Any]]:
    items: list[Any] = []
    page = await _json(client, path)
    while True:
        items += page["items"]
        if page["next"] is None:
            return items, page
        page = await _json(client, str(URL(page["next"]).relative()))


async def test_a_counted_election_publishes_what_anyone_can_recount(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """The results rank every candidate; the ballots (read three a page) are the cast
    choices and nothing else; the receipts are the sorted hashes; counts equal; each
    digest is the SHA-256 of its list's canonical JSON; a real receipt is 200, a made-up
    one 404."""
    election_id, candidates, receipts = await counted_election(database, clock.now())
    election = await _json(client, f"/api/v1/elections/{election_id}")
    assert election["status"] == "closed"
    assert [c["id"] for c in election["candidates"]] == candidates
    assert len(election["results"]) == 5
    ballots, last = await _all(client, f"/api/v1/elections/{election_id}/ballots?limit=3")
    assert sorted(tuple(b["choices"]) for b in ballots) == sorted(
        tuple(sorted(candidates[i] for i in choices)) for choices in BALLOTS
    )
    assert all(set(ballot) == {"choices"} for ballot in ballots)
    assert last["digest"] == election["ballots_digest"] == digest(ballots)
    hashes, page = await _all(client, f"/api/v1/elections/{election_id}/receipts")
    assert hashes == sorted(receipt_hash(code) for code in receipts)
    assert page["digest"] == election["receipts_digest"] == digest(hashes)
    assert len(hashes) == len(ballots) == election["ballot_count"] == len(BALLOTS)
    await _json(client, f"/api/v1/elections/{election_id}/receipts/{receipts[3]}")
    await _json(client, f"/api/v1/elections/{election_id}/receipts/AAAA-BBBB-CCCC", status=404)
    document = await _json(client, "/api/v1/openapi.json")
    assert "/api/v1/elections/{id}/receipts/{code}" in document["paths"]
