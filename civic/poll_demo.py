"""The demo poll: open for two weeks, asked on behalf of the Cabinet of Ministers;
found by its title, so a second run adds nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.polls import Polls, PollTerms
from storage.models import Authority
from storage.poll_models import Poll, QuestionKind, ResultsShown

TITLE = "Які цифрові послуги громади вам потрібні найбільше?"
AUTHORITY = "Кабінет Міністрів України"
QUESTIONS = (
    (
        "Якою послугою ви скористалися б першою?",
        QuestionKind.SINGLE,
        ("Запис до лікаря", "Оплата комунальних послуг", "Довідки ЦНАП", "Запис дитини до садочка"),
        1,
    ),
    (
        "Які канали зв'язку з громадою вам зручні?",
        QuestionKind.MULTIPLE,
        ("Telegram", "Viber", "Сайт громади", "Телефон", "Особисто в ЦНАП"),
        2,
    ),
    ("Що варто покращити насамперед?", QuestionKind.TEXT, (), 1),
)


async def seed_poll(session: AsyncSession, now: datetime) -> Mapping[str, int]:
    found = await session.scalar(select(Poll.id).where(Poll.title == TITLE))
    authority_id = await session.scalar(select(Authority.id).where(Authority.name_uk == AUTHORITY))
    if found is not None or authority_id is None:
        return {"polls": 0}
    rules = Polls(session)
    # Questions are added before a poll opens, so it opens a moment later.
    poll = await rules.create(
        PollTerms(
            authority_id=authority_id,
            title=TITLE,
            description="Опитування щодо розвитку цифрових послуг. Відповіді анонімні.",
            opens_at=now + timedelta(seconds=1),
            closes_at=now + timedelta(days=14),
            anonymous=True,
            results_shown=ResultsShown.AFTER_ANSWER,
        ),
        now,
    )
    for text, kind, options, max_choices in QUESTIONS:
        await rules.add_question(poll.id, text, kind, options, max_choices, now)
    poll.opens_at = now
    return {"polls": 1}
