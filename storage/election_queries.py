"""Casting a ballot in one statement on PostgreSQL, as signing a petition is
(``storage.repositories.sign_and_count``; decision 0004): every check the rules make, the
voter row that is the one-ballot rule, the ballot with its choices and the receipt's
hash, in one round trip. The answer is a code: ``cast``, ``already_voted``, or the refusal's
(``not_found``, ``not_open_yet``, ``closed``, ``verification_required``, ``no_choice``,
``too_many_choices``, ``unknown_candidate``, ``withdrawn_candidate``).

The data-modifying parts run only when the checks pass and the voter row was inserted;
all parts see one snapshot, and the foreign keys are checked at the statement's end.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger

from storage import hot
from storage.types import UTCDateTime

_CAST_PG = text(
    """
    WITH e AS (
        SELECT opens_at, closes_at, counted_at, max_choices, required_verification
        FROM election WHERE id = :election_id
    ), chosen AS (
        SELECT DISTINCT candidate_id FROM unnest(CAST(:choices AS BIGINT[])) AS candidate_id
    ), checked AS (
        SELECT
            count(*) AS n,
            count(*) FILTER (
                WHERE c.id IS NULL OR c.election_id <> :election_id
            ) AS unknown,
            count(*) FILTER (WHERE c.withdrawn_at IS NOT NULL) AS withdrawn
        FROM chosen LEFT JOIN candidate AS c ON c.id = chosen.candidate_id
    ), verdict AS (
        SELECT CASE
            WHEN NOT EXISTS (SELECT 1 FROM e) THEN 'not_found'
            WHEN (SELECT :now < opens_at FROM e) THEN 'not_open_yet'
            WHEN (SELECT counted_at IS NOT NULL OR :now >= closes_at FROM e) THEN 'closed'
            WHEN NOT coalesce((
                SELECT e.required_verification = 'phone' AND citizen.phone_hash IS NOT NULL
                FROM e, citizen WHERE citizen.id = :citizen_id
            ), false) THEN 'verification_required'
            WHEN checked.n = 0 THEN 'no_choice'
            WHEN checked.n > (SELECT max_choices FROM e) THEN 'too_many_choices'
            WHEN checked.unknown > 0 THEN 'unknown_candidate'
            WHEN checked.withdrawn > 0 THEN 'withdrawn_candidate'
            ELSE 'ok'
        END AS code
        FROM checked
    ), voter AS (
        INSERT INTO election_voter (election_id, citizen_id)
        SELECT :election_id, :citizen_id FROM verdict WHERE code = 'ok'
        ON CONFLICT DO NOTHING
        RETURNING citizen_id
    ), new_ballot AS (
        INSERT INTO ballot (id, election_id, choices)
        SELECT :ballot_id, :election_id,
               to_json(ARRAY(SELECT candidate_id FROM chosen ORDER BY candidate_id))
        FROM voter
        RETURNING id
    ), new_receipt AS (
        INSERT INTO election_receipt (election_id, code_hash)
        SELECT :election_id, :code_hash FROM voter
        RETURNING code_hash
    )
    SELECT CASE
        WHEN verdict.code <> 'ok' THEN verdict.code
        WHEN EXISTS (SELECT 1 FROM voter) THEN 'cast'
        ELSE 'already_voted'
    END
    FROM verdict
    """
).bindparams(
    bindparam("now", type_=UTCDateTime()),
    bindparam("choices", type_=ARRAY(BigInteger())),
)


async def cast_in_one_statement(
    session: AsyncSession,
    *,
    election_id: int,
    citizen_id: int,
    choices: Sequence[int],
    ballot_id: str,
    code_hash: str,
    now: datetime,
) -> str:
    """Check and cast on PostgreSQL in one round trip; the outcome's code."""
    params = {
        "election_id": election_id,
        "citizen_id": citizen_id,
        "choices": list(choices),
        "ballot_id": ballot_id,
        "code_hash": code_hash,
        "now": now,
    }
    code = await hot.fetch_value(session, _CAST_PG, params)
    return str(code)
