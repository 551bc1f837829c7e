"""Voting for a public council in chat: candidates, choosing up to the limit (by buttons or
typed numbers), review, casting with the phone confirmed once, the receipt, one ballot
across messengers, refusals with reasons, a forged payload, and the results with the
receipt check after the count."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from civic.clock import FixedClock
from civic.elections import Elections, ElectionTerms
from civic.organisation_demo import ensure_demo_organisations
from handlers.core import ConversationCore
from storage.db import Database
from storage.election_models import Ballot, Election, ElectionVoter
from tests.helpers import make_authority
from tests.personas import Persona
from tests.photo_support import small_png

PHONE = "+380671234500"
HOUR = timedelta(hours=1)


async def _open_election(
    database: Database, clock: FixedClock, *, max_choices: int = 2
) -> tuple[int, list[int]]:
    """An election with five candidates, open now for two hours."""
    now = clock.now()
    async with database.transaction() as session:
        existing = await Elections(session).open_now(now + HOUR)
    authority_id = await make_authority(database, now, name=f"Рада {len(existing)}")
    async with database.transaction() as session:
        organisations, _added = await ensure_demo_organisations(session, now)
        rules = Elections(session)
        election = await rules.create(
            authority_id,
            ElectionTerms(
                title="Громадська рада при міській раді",
                seats=2,
                max_choices=max_choices,
                opens_at=now + timedelta(minutes=1),
                closes_at=now + 2 * HOUR,
            ),
            now,
        )
        names = ["Anna Bila", "Bohdan Chornyi", "Vira Zelena", "Hlib Siryi", "Dana Ruda"]
        candidates = [
            (await rules.nominate(election.id, organisation.id, name, "Bio.", now)).id
            for name, organisation in zip(names, organisations, strict=True)
        ]
    clock.at = now + 10 * timedelta(minutes=1)
    return election.id, candidates


async def _counts(database: Database) -> tuple[int, int]:
    async with database.transaction() as session:
        voters = await session.scalar(select(func.count()).select_from(ElectionVoter))
        ballots = await session.scalar(select(func.count()).select_from(Ballot))
    return int(voters or 0), int(ballots or 0)


async def test_a_citizen_votes_once_across_messengers_and_checks_the_receipt(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """On Telegram: two candidates chosen (the second by typing its number), reviewed,
    the phone asked once and the ballot cast on sharing it, with a receipt code. On Viber
    with the same phone: told they already voted, nothing stored. After the count the
    results show and the receipt is found, a made-up one is not."""
    election_id, _candidates = await _open_election(database, clock)
    olena = Persona(core, channel="telegram", user_id="801", language_code="en")
    await olena.say("/start")
    await olena.say(f"/start election_{election_id}")
    assert "Anna Bila — ГО «Прозорий Житомир»" in olena.last.text
    await olena.press(olena.payload_of("Anna Bila"))
    await olena.say("2")  # the second button: Bohdan Chornyi
    assert "✅ Bohdan Chornyi" in olena.last.text
    await olena.press(olena.payload_of("Review my ballot"))
    assert "Anna Bila" in olena.last.text
    assert "Bohdan Chornyi" in olena.last.text
    await olena.press(olena.payload_of("Cast my ballot"))
    assert "confirm your phone number" in olena.last.text
    assert await _counts(database) == (0, 0)
    cast = "\n".join(reply.text for reply in await olena.share_phone(PHONE))
    found = re.search(r"receipt code: ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})", cast)
    assert found, cast
    receipt = found.group(1)
    assert await _counts(database) == (1, 1)

    viber = Persona(core, channel="viber", user_id="olena-v", language_code="en")
    await viber.say("/start")
    await viber.share_phone(PHONE)
    await viber.say(f"/start election_{election_id}")
    assert "You have voted in this election" in viber.last.text
    assert "Review my ballot" not in "".join(button.label for button in viber.last.choices)
    assert await _counts(database) == (1, 1)

    clock.at += 3 * HOUR
    async with database.transaction() as session:
        await Elections(session).count(election_id, clock.now())
    await olena.say(f"/start election_{election_id}")
    assert "1 ballot counted." in olena.last.text
    assert "1. " in olena.last.text
    checks = ((receipt, "ballot is counted"), ("AAAA-BBBB-CCCC", "not in the published"))
    for code, answer in checks:
        await olena.say(f"/start election_{election_id}")
        await olena.press(olena.payload_of("Check a receipt"))
        await olena.say(code)
        assert answer in olena.last.text, code


async def test_more_than_allowed_is_refused_and_a_forged_candidate_stores_nothing(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """With one choice allowed, a second pick is refused with the limit; a pressed
    payload naming another election's candidate is refused at casting with a reason,
    and no ballot is stored."""
    election_id, candidates = await _open_election(database, clock, max_choices=1)
    _other_id, others = await _open_election(database, clock)
    taras = Persona(core, channel="telegram", user_id="802", language_code="en")
    await taras.say("/start")
    await taras.share_phone("+380671234501")
    await taras.say(f"/start election_{election_id}")
    await taras.press(f"et:{election_id}:{candidates[0]}:0")
    second = await taras.press(f"et:{election_id}:{candidates[1]}:0")
    assert any("at most 1 candidate" in reply.text for reply in second)
    await taras.press(f"et:{election_id}:{candidates[0]}:0")  # unpicked again
    await taras.press(f"et:{election_id}:{others[1]}:0")  # forged: another election's
    refused = await taras.press(f"ec:{election_id}")
    assert any("does not stand in this election" in reply.text for reply in refused)
    assert await _counts(database) == (0, 0)


async def test_a_candidates_photo_is_shown_with_the_whole_biography(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """A candidate with a photo has a 📷 button beside their choice: it shows the JPEG
    with the name, organisation and biography as its text; a forged pair (another
    election's candidate) shows the election instead of anyone's photo."""
    election_id, candidates = await _open_election(database, clock)
    _other_id, others = await _open_election(database, clock)
    async with database.transaction() as session:
        election = await session.get(Election, election_id)
        assert election is not None
        before_opening = election.opens_at - timedelta(minutes=1)
        await Elections(session).set_photo(election_id, candidates[0], small_png(), before_opening)
    ira = Persona(core, channel="telegram", user_id="803", language_code="en")
    await ira.say("/start")
    await ira.say(f"/start election_{election_id}")
    photo_buttons = [b.label for b in ira.last.choices if b.label.startswith("📷")]
    assert photo_buttons == ["📷 Anna Bila"]
    await ira.press(ira.payload_of("📷 Anna Bila"))
    image = ira.last.image
    assert image is not None
    assert image.jpeg
    assert image.png.startswith(b"\xff\xd8")  # a JPEG
    assert "Anna Bila — ГО «Прозорий Житомир»" in image.alt_text
    assert "Bio." in image.alt_text
    await ira.press(f"ep:{election_id}:{others[0]}:0")
    assert ira.last.image is None
    assert "Anna Bila" in ira.last.text  # the election's page again
