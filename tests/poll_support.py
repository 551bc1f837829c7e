"""A poll with one question of each kind, and verified citizens, for the polls' tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from civic.polls import Answers, Polls, PollTerms
from storage.db import Database
from storage.models import Citizen
from storage.poll_models import QuestionKind, ResultsShown
from tests.helpers import make_authority

HOUR = timedelta(hours=1)
REGION = "Вінницька область"  # the region of tests.helpers.make_authority


async def make_poll(
    database: Database,
    now: datetime,
    *,
    anonymous: bool = False,
    changeable: bool = False,
    results_shown: ResultsShown = ResultsShown.AFTER_CLOSE,
    regions: Sequence[str] = (),
) -> tuple[int, list[int], list[list[int]]]:
    """A poll opening in an hour for two hours: one-option, up-to-two-options and text
    questions; (its id, the question ids, each question's option ids)."""
    authority_id = await make_authority(database, now, name=f"Рада {uuid.uuid4().hex[:6]}")
    async with database.transaction() as session:
        rules = Polls(session)
        poll = await rules.create(
            PollTerms(
                authority_id=authority_id,
                title="Який парк облаштувати першим?",
                opens_at=now + HOUR,
                closes_at=now + 3 * HOUR,
                regions=regions,
                anonymous=anonymous,
                changeable=changeable,
                results_shown=results_shown,
            ),
            now,
        )
        single = await rules.add_question(
            poll.id, "Який парк?", QuestionKind.SINGLE, ["Центральний", "Південний"], 1, now
        )
        several = await rules.add_question(
            poll.id, "Що додати?", QuestionKind.MULTIPLE, ["Лавки", "Світло", "Туалети"], 2, now
        )
        text = await rules.add_question(poll.id, "Ваші ідеї?", QuestionKind.TEXT, [], 1, now)
        questions = [single, several, text]
        return (
            poll.id,
            [q.row.id for q in questions],
            [[o.id for o in q.options] for q in questions],
        )


async def make_citizen(database: Database, now: datetime, *, verified: bool = True) -> int:
    async with database.transaction() as session:
        citizen = Citizen(
            created_at=now,
            phone_hash=uuid.uuid4().hex if verified else None,
            phone_hint="00" if verified else None,
            phone_verified_at=now if verified else None,
        )
        session.add(citizen)
        await session.flush()
        return citizen.id


def full_answer(questions: list[int], options: list[list[int]], first: int = 0) -> Answers:
    return {
        questions[0]: [options[0][first]],
        questions[1]: [options[1][0], options[1][2]],
        questions[2]: "Більше дерев",
    }
