"""One citizen across messengers, end to end through both doubles (issue #3, must show).

A citizen signs on Telegram; the same phone verified on Viber is the same citizen, who is
told they already signed via Telegram, and the public count does not move.
"""

from __future__ import annotations

from civic.clock import FixedClock
from storage.db import Database
from tests.channels.telegram.conftest import TelegramHarness, fake_api, telegram
from tests.channels.telegram.updates import TelegramUser
from tests.channels.viber import builders
from tests.channels.viber.conftest import ViberHarness, fake_viber, viber
from tests.helpers import make_open_petition, signature_count

# Fixtures come from the two channels' conftests; importing them makes them usable here.
__all__ = ["fake_api", "fake_viber", "telegram", "viber"]

OLENA_ON_TELEGRAM = TelegramUser(555_000_111, "Olena", "en")
OLENA_ON_VIBER = "olena-viber-id=="


async def test_signature_on_telegram_counts_on_viber(
    telegram: TelegramHarness, viber: ViberHarness, database: Database, clock: FixedClock
) -> None:
    """Signed on Telegram; the same phone on Viber is told "already signed"; count unchanged."""
    petition_id = await make_open_petition(database, clock.now())

    await telegram.say(OLENA_ON_TELEGRAM, f"/start petition_{petition_id}")
    await telegram.press(OLENA_ON_TELEGRAM, f"ps:{petition_id}")
    await telegram.post(telegram.updates.contact(OLENA_ON_TELEGRAM, "380501234567"))
    assert "is counted" in telegram.api.last_message(OLENA_ON_TELEGRAM.id)["text"]
    after_telegram = (await telegram.petition(petition_id))["signature_count"]
    assert after_telegram == 1

    welcome = await viber.post(
        builders.conversation_started(OLENA_ON_VIBER, context=f"petition_{petition_id}")
    )
    assert welcome.status == 200
    await viber.post(builders.subscribed(OLENA_ON_VIBER))
    await viber.press(OLENA_ON_VIBER, "Sign")
    request = viber.last(OLENA_ON_VIBER)
    await viber.post(
        builders.contact_message(
            OLENA_ON_VIBER, "+380501234567", tracking_data=request["tracking_data"]
        )
    )
    told = viber.last(OLENA_ON_VIBER)["text"]
    assert "You already signed this petition on November 27, 2026 via Telegram." in told
    assert (await telegram.petition(petition_id))["signature_count"] == after_telegram
    assert await signature_count(database, petition_id) == (1, 1)
