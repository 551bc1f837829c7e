"""/notifications in chat: what reaches me besides my own affairs, changed by buttons or
by typing their numbers; the stop button under a broadcast works at once."""

from __future__ import annotations

from civic.broadcasts import Audience, Broadcasts
from civic.clock import FixedClock
from handlers.core import ConversationCore
from storage import repositories as repo
from storage.db import Database
from storage.outbox_models import NotificationPreference
from tests.helpers import make_authority
from tests.personas import Persona


async def _preference(
    database: Database, clock: FixedClock, user_id: str
) -> NotificationPreference | None:
    async with database.transaction() as session:
        account = await repo.lock_account(session, "telegram", user_id, "en", clock.now())
        return await session.get(NotificationPreference, account.citizen_id)


async def test_the_settings_say_what_is_on_and_stop_announcements(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """/notifications shows announcements and quiet hours on; the stop button turns
    announcements off, says that own news still comes, and the screen then offers to turn
    them back on."""
    olena = Persona(core, channel="telegram", user_id="501", language_code="en")
    await olena.say("/start")
    await olena.say("/notifications")
    assert "Announcements from the authorities: on" in olena.last.text
    assert "Quiet hours (announcements wait until morning): on" in olena.last.text
    replies = await olena.press(olena.payload_of("Stop announcements"))
    texts = "\n".join(reply.text for reply in replies)
    assert "no more announcements" in texts
    assert "Announcements from the authorities: off" in olena.last.text
    preference = await _preference(database, clock, "501")
    assert preference is not None
    assert preference.announcements is False
    await olena.press(olena.payload_of("Receive announcements"))
    preference = await _preference(database, clock, "501")
    assert preference is not None
    assert preference.announcements is True


async def test_settings_change_by_typing_the_numbers(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """Without buttons, typing the number of "Announcements at any hour" turns quiet hours
    off, in Ukrainian too."""
    taras = Persona(core, channel="telegram", user_id="502", language_code="uk")
    await taras.say("/start")
    await taras.say("/notifications")
    await taras.say("2")
    async with database.transaction() as session:
        account = await repo.lock_account(session, "telegram", "502", "uk", clock.now())
        preference = await session.get(NotificationPreference, account.citizen_id)
    assert preference is not None
    assert preference.quiet_hours is False


async def test_topics_and_a_region_are_followed_from_the_chat(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """Topics are toggled one by one and a region chosen from the directory's; a
    broadcast on that topic or to that region then counts this citizen in its audience,
    and a forged topic number changes nothing."""
    await make_authority(database, clock.now(), name="Житомирська міська рада")
    olena = Persona(core, channel="telegram", user_id="503", language_code="en")
    await olena.say("/start")
    await olena.say("/notifications")
    await olena.press(olena.payload_of("Topics"))
    await olena.press(olena.payload_of("roads and repairs"))
    assert "✅ roads and repairs" in [b.label for b in olena.last.choices]
    await olena.press("ntt:99")
    await olena.press(olena.payload_of("Back"))
    await olena.press(olena.payload_of("Region"))
    await olena.press(olena.payload_of("Вінницька область"))
    assert "Topics I follow: roads and repairs" in olena.last.text
    assert "My region: Вінницька область" in olena.last.text
    async with database.transaction() as session:
        rules = Broadcasts(session)
        assert await rules.audience_sizes(Audience(topic="roads")) == {"telegram": 1}
        assert await rules.audience_sizes(Audience(topic="ecology")) == {}
        assert await rules.audience_sizes(Audience(region="Вінницька область")) == {"telegram": 1}


async def test_the_daily_digest_is_chosen_by_typing_its_number(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """Typing the number of "Less urgent news in a daily digest" turns the digest on and
    the screen then says so and offers single messages instead."""
    ivan = Persona(core, channel="telegram", user_id="503", language_code="en")
    await ivan.say("/start")
    await ivan.say("/notifications")
    assert "Less urgent announcements once a day, in one message: off" in ivan.last.text
    await ivan.say("3")
    assert "Less urgent announcements once a day, in one message: on" in ivan.last.text
    assert ivan.payload_of("Single messages instead of the daily digest")
    preference = await _preference(database, clock, "503")
    assert preference is not None
    assert preference.digest is True
