"""A poll answered through both messenger doubles (issue 11, must show).

Olena answers on Telegram and Petro on Viber; Olena then tries again from Viber, and once
she shares the same phone she is told she has already answered. One answer each is
counted, and the numbers in the chart's caption sent to Telegram are the open data's.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from civic.clock import FixedClock
from civic.polls import Polls, PollTerms
from storage.db import Database
from storage.poll_models import QuestionKind, ResultsShown
from tests.channels.telegram.conftest import TelegramHarness, fake_api, telegram
from tests.channels.telegram.updates import TelegramUser
from tests.channels.viber import builders
from tests.channels.viber.conftest import ViberHarness, fake_viber, viber
from tests.helpers import make_authority

__all__ = ["fake_api", "fake_viber", "telegram", "viber"]

OLENA_ON_TELEGRAM = TelegramUser(555_000_211, "Olena", "en")
OLENA_ON_VIBER = "olena-poll-viber=="
PETRO_ON_VIBER = "petro-poll-viber=="
OLENA_PHONE = "+380501234588"


async def _poll(database: Database, clock: FixedClock) -> tuple[int, list[int]]:
    now = clock.now()
    authority_id = await make_authority(database, now, name="Міська рада")
    async with database.transaction() as session:
        rules = Polls(session)
        poll = await rules.create(
            PollTerms(
                authority_id=authority_id,
                title="Which park first?",
                opens_at=now + timedelta(minutes=1),
                closes_at=now + timedelta(days=1),
                results_shown=ResultsShown.AFTER_ANSWER,
            ),
            now,
        )
        question = await rules.add_question(
            poll.id, "Which park?", QuestionKind.SINGLE, ["Central", "Southern"], 1, now
        )
    clock.at = now + timedelta(minutes=5)
    return poll.id, [option.id for option in question.options]


async def _answer_on_viber(
    viber: ViberHarness, user: str, poll_id: int, option: str, phone: str
) -> str:
    await viber.post(builders.conversation_started(user, context=f"poll_{poll_id}"))
    await viber.post(builders.subscribed(user))
    await viber.press(user, "Answer")
    await viber.press(user, option)
    await viber.press(user, "Submit")
    asked = viber.last(user)
    await viber.post(builders.contact_message(user, phone, tracking_data=asked["tracking_data"]))
    told: str = viber.last(user)["text"]
    return told


async def test_one_answer_per_citizen_across_messengers_and_the_chart_equals_the_api(
    telegram: TelegramHarness, viber: ViberHarness, database: Database, clock: FixedClock
) -> None:
    """Two citizens answer (Telegram, Viber); the first tries again from Viber with the
    same phone and is told she answered already: 2 respondents, 1 + 1, and the chart's
    caption carries the API's counts."""
    poll_id, options = await _poll(database, clock)

    await telegram.say(OLENA_ON_TELEGRAM, f"/start poll_{poll_id}")
    await telegram.press(OLENA_ON_TELEGRAM, f"ya:{poll_id}")
    await telegram.press(OLENA_ON_TELEGRAM, f"yp:{poll_id}:0:{options[0]}")
    await telegram.press(OLENA_ON_TELEGRAM, f"yo:{poll_id}")
    await telegram.post(telegram.updates.contact(OLENA_ON_TELEGRAM, OLENA_PHONE.lstrip("+")))
    assert "your answer is counted" in _texts(telegram, OLENA_ON_TELEGRAM)

    told = await _answer_on_viber(viber, PETRO_ON_VIBER, poll_id, "Southern", "+380501234599")
    assert "your answer is counted" in told
    told = await _answer_on_viber(viber, OLENA_ON_VIBER, poll_id, "Southern", OLENA_PHONE)
    assert "You have already answered this poll (perhaps from another messenger)" in told

    response = await telegram.client.get(f"/api/v1/polls/{poll_id}")
    assert response.status == 200
    published: dict[str, Any] = await response.json()
    assert published["respondents"] == 2
    counts = {o["text"]: o["count"] for o in published["questions"][0]["options"]}
    assert counts == {"Central": 1, "Southern": 1}

    await telegram.press(OLENA_ON_TELEGRAM, f"yc:{poll_id}")
    photos = telegram.api.calls_of("sendPhoto")
    assert len(photos) == 1
    caption = str(photos[0]["caption"])
    assert "2 respondents." in caption
    for text, count in counts.items():
        assert f"50% · {count} — {text}" in caption


def _texts(telegram: TelegramHarness, user: TelegramUser) -> str:
    return "\n".join(str(m.get("text", "")) for m in telegram.api.chat_messages(user.id))
