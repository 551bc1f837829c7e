"""The console channel: numbered choices, simulated phone sharing, end of input."""

from __future__ import annotations

import io

from bot.channels.console import ConsoleChannel, render
from civic.clock import FixedClock
from handlers.core import ConversationCore
from handlers.replies import Button, Image, Reply
from storage.db import Database
from tests.helpers import make_open_petition, signature_count


def test_render_numbers_buttons_and_adds_phone_choice() -> None:
    """Buttons are numbered in order and the share-phone request is the next number."""
    reply = Reply(
        "Pick one",
        [[Button.raw("Yes", "y"), Button.raw("No", "n")]],
        request_phone="Share phone",
        image=Image(b"png", "a chart of signatures"),
    )
    assert render(reply).splitlines() == [
        "Pick one",
        "[image: a chart of signatures]",
        "  1. Yes",
        "  2. No",
        "  3. Share phone",
    ]


async def test_console_signs_with_simulated_phone(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """Typing numbers, then the phone choice and a number, signs the petition."""
    petition_id = await make_open_petition(database, clock.now())
    script = f"/start petition_{petition_id}\n1\n2\n+380501234567\n"
    out = io.StringIO()
    console = ConsoleChannel(
        core, user_id="t1", language_code="en", stdin=io.StringIO(script), stdout=out
    )
    await console.run()
    assert "is counted" in out.getvalue()
    assert await signature_count(database, petition_id) == (1, 1)
