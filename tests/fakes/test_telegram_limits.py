"""The Bot API double's sending limits: 429 as Telegram answers it, and the records to check.

Most tests move the double's clock themselves (``ManualClock``), so what lands in which
window never depends on how fast this machine is; one waits out a real window.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from aiogram.types import BufferedInputFile

from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI, SendLimits


class ManualClock:
    """A monotonic clock the test moves."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def api(clock: ManualClock) -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(clock=clock) as api:
        yield api


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def bot(api: FakeTelegramAPI) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.url))
    bot = Bot(DEFAULT_TOKEN, session=session)
    yield bot
    await bot.session.close()


async def call(
    http: aiohttp.ClientSession, api: FakeTelegramAPI, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{api.url}/bot{DEFAULT_TOKEN}/{method}", json=params) as response:
        body: dict[str, Any] = await response.json()
        return response.status, body


async def send(
    http: aiohttp.ClientSession, api: FakeTelegramAPI, chat_id: int, **params: Any
) -> int:
    params.setdefault("text", "Новина")
    status, _ = await call(http, api, "sendMessage", chat_id=chat_id, **params)
    return status


async def test_the_31st_send_within_a_second_gets_429_and_is_not_stored(
    api: FakeTelegramAPI, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """At 30/s overall, a 31st send within one second gets Telegram's 429 and is not stored."""
    api.enforce_limits()
    for chat_id in range(1, 31):
        assert await send(http, api, chat_id) == 200
        clock.now += 0.03  # 30 sends in 0.9 s

    status, body = await call(http, api, "sendMessage", chat_id=31, text="Новина")

    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert api.chat_messages(31) == []
    assert len(api.messages) == api.accepted_count() == 30
    [rejected] = api.rejected_429s()
    assert (rejected.chat_id, rejected.limits, rejected.retry_after) == (31, ("overall",), 1)
    assert api.calls[-1].status == 429


async def test_a_second_send_to_a_chat_within_a_second_gets_429(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    """A second send to one chat within a second is refused (aiogram sees RetryAfter 1)."""
    api.enforce_limits(overall=30, per_chat=1)
    await bot.send_message(7, "Перше")

    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_photo(7, BufferedInputFile(b"\x89PNG", "a.png"), caption="Друге")
    await bot.send_message(8, "Інший чат")

    assert refused.value.retry_after == 1
    assert [m["text"] for m in api.chat_messages(7)] == ["Перше"]
    assert api.rejected_429s("per_chat")[0].method == "sendPhoto"
    assert api.rejected_429s("overall") == []
    assert api.messages_per_chat() == {7: 1, 8: 1}


async def test_after_waiting_retry_after_the_send_is_accepted(
    http: aiohttp.ClientSession,
) -> None:
    """On the real monotonic clock, the send refused with retry_after is accepted after it."""
    async with FakeTelegramAPI(limits=SendLimits(overall=30, per_chat=1)) as api:
        assert await send(http, api, 5) == 200
        status, body = await call(http, api, "sendMessage", chat_id=5, text="Знову")
        assert status == 429

        await asyncio.sleep(body["parameters"]["retry_after"] + 0.05)

        assert await send(http, api, 5) == 200
        assert api.accepted_count() == 2
        assert len(api.rejected_429s()) == 1
        assert api.max_per_chat_in_any_window(1.0) == 1


async def test_the_window_slides_and_is_half_open(
    api: FakeTelegramAPI, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """A send counts for exactly one window length after it: refused just before, taken at it."""
    api.enforce_limits(overall=2, per_chat=1)
    assert await send(http, api, 1) == 200  # at 100.0
    clock.now = 100.5
    assert await send(http, api, 2) == 200
    clock.now = 100.875
    assert await send(http, api, 3) == 429  # 100.0 and 100.5 are in (99.875, 100.875]
    clock.now = 100.96875
    assert await send(http, api, 1) == 429  # chat 1's send is not yet a second old
    clock.now = 101.0
    assert await send(http, api, 1) == 200  # now it is, and it left the overall window too

    assert [r.limits for r in api.rejected_429s()] == [("overall",), ("per_chat", "overall")]
    assert api.max_in_any_window(1.0) == 2
    assert api.max_per_chat_in_any_window(1.0) == 1  # 100.0 and 101.0: not in one window


async def test_retry_after_is_the_whole_seconds_until_the_window_takes_the_send(
    api: FakeTelegramAPI, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """retry_after rounds up the time until the oldest send in a full window leaves it."""
    api.enforce_limits(overall=2, per_chat=5, window=5.0)
    assert await send(http, api, 1) == 200  # at 100.0: leaves the window at 105.0
    clock.now = 101.0
    assert await send(http, api, 2) == 200
    clock.now = 101.5

    status, body = await call(http, api, "sendMessage", chat_id=3, text="Третє")

    assert (status, body["parameters"]) == (429, {"retry_after": 4})  # 3.5 s, rounded up
    clock.now = 105.0
    assert await send(http, api, 3) == 200


async def test_the_window_helpers(
    api: FakeTelegramAPI, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """max_in_any_window, max_per_chat_in_any_window, messages_per_chat, achieved_rate."""
    for at, chat_id in [(0.0, 1), (0.5, 2), (0.75, 3), (0.875, 1), (1.5, 1)]:
        clock.now = 100.0 + at
        assert await send(http, api, chat_id) == 200

    assert api.max_in_any_window(1.0) == 4  # 0, 0.5, 0.75, 0.875
    assert api.max_in_any_window(0.5) == 3  # 0.5, 0.75, 0.875; 1.5 is not in [1.0, 1.5)
    assert api.max_per_chat_in_any_window(1.0) == 2  # chat 1 at 0 and 0.875
    assert api.max_per_chat_in_any_window(0.5) == 1
    assert api.messages_per_chat() == {1: 3, 2: 1, 3: 1}
    assert api.achieved_rate() == pytest.approx(4 / 1.5)  # 5 sends, 4 intervals, 1.5 s
    assert [send.at for send in api.sends] == [100.0, 100.5, 100.75, 100.875, 101.5]


async def test_achieved_rate_needs_two_sends_and_is_infinite_at_one_instant(
    api: FakeTelegramAPI, http: aiohttp.ClientSession
) -> None:
    """With fewer than two sends there is no rate; two at one instant are infinitely fast."""
    with pytest.raises(ValueError, match="at least two"):
        api.achieved_rate()
    assert await send(http, api, 1) == 200
    assert await send(http, api, 2) == 200
    assert api.achieved_rate() == math.inf


async def test_paid_broadcast_is_recorded_and_counted_against_its_own_limit(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    """allow_paid_broadcast sends are flagged and fill their own window, not the free one."""
    api.enforce_limits(overall=2, per_chat=1, paid_overall=3)
    await bot.send_message(1, "Безкоштовно")
    await bot.send_message(2, "Безкоштовно")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(3, "Безкоштовно")
    for chat_id in (3, 4, 5):
        await bot.send_message(chat_id, "Платно", allow_paid_broadcast=True)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(6, "Платно", allow_paid_broadcast=True)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(7, "Безкоштовно")

    assert [(s.chat_id, s.paid) for s in api.sends] == [
        (1, False), (2, False), (3, True), (4, True), (5, True)
    ]  # fmt: skip
    assert api.calls_of("sendMessage")[2]["allow_paid_broadcast"] is True
    assert (api.accepted_count(paid=True), api.accepted_count(paid=False)) == (3, 2)
    assert api.max_in_any_window(paid=True) == 3
    assert api.max_in_any_window(paid=False) == 2
    assert [r.limits for r in api.rejected_429s()] == [
        ("overall",), ("paid_overall",), ("overall",)
    ]  # fmt: skip


async def test_paying_does_not_lift_the_per_chat_limit(
    api: FakeTelegramAPI, http: aiohttp.ClientSession
) -> None:
    """A paid send to a chat that just got a message is refused for the per-chat limit."""
    api.enforce_limits(overall=30, per_chat=1)
    assert await send(http, api, 1) == 200

    assert await send(http, api, 1, allow_paid_broadcast=True) == 429

    assert api.rejected_429s()[0].limits == ("per_chat",)
    assert api.rejected_429s()[0].paid


async def test_by_default_nothing_is_limited_but_sends_are_recorded(
    api: FakeTelegramAPI, http: aiohttp.ClientSession
) -> None:
    """Without limits (the default) 40 sends to one chat at one instant all go through."""
    assert api.limits is None
    statuses = await asyncio.gather(*(send(http, api, 9) for _ in range(40)))

    assert set(statuses) == {200}
    assert api.rejected_429s() == []
    assert api.accepted_count() == len(api.chat_messages(9)) == 40
    assert api.max_per_chat_in_any_window() == api.max_in_any_window() == 40


async def test_only_accepted_sends_of_new_messages_count(
    api: FakeTelegramAPI, http: aiohttp.ClientSession
) -> None:
    """Edits, callback answers and getMe are not counted; a send that fails uses up nothing."""
    api.enforce_limits(overall=30, per_chat=1)
    assert await send(http, api, 1, text="   ") == 400  # empty text
    api.block(2)
    assert await send(http, api, 2) == 403
    assert await send(http, api, 1) == 200
    message_id = api.last_message(1)["message_id"]

    edited, _ = await call(http, api, "editMessageText", chat_id=1, message_id=message_id,
                           text="Виправлено")  # fmt: skip
    answered, _ = await call(http, api, "answerCallbackQuery", callback_query_id="q")
    me, _ = await call(http, api, "getMe")

    assert (edited, answered, me) == (200, 200, 200)
    assert [(s.method, s.chat_id, s.message_id) for s in api.sends] == [
        ("sendMessage", 1, message_id)
    ]
    assert api.rejected_429s() == []


async def test_sends_made_before_the_limits_count_and_lifting_them_ends_429s(
    api: FakeTelegramAPI, http: aiohttp.ClientSession
) -> None:
    """enforce_limits counts the sends already accepted; lift_limits lets everything through."""
    assert await send(http, api, 1) == 200
    api.enforce_limits(overall=30, per_chat=1)
    assert await send(http, api, 1) == 429

    api.lift_limits()

    assert await send(http, api, 1) == 200
    assert api.messages_per_chat() == {1: 2}


async def test_a_webhook_answer_is_limited_like_a_request(api: FakeTelegramAPI) -> None:
    """A send carried by a webhook answer counts, and over the limit it is refused (429)."""
    api.enforce_limits(overall=30, per_chat=1)
    answer = json.dumps({"method": "sendMessage", "chat_id": 4, "text": "Відповідь"}).encode()

    await api.webhook_answer("application/json", answer)
    await api.webhook_answer("application/json", answer)

    assert [call.status for call in api.calls] == [200, 429]
    assert len(api.chat_messages(4)) == 1
    assert api.rejected_429s()[0].limits == ("per_chat",)


def test_limits_must_be_positive() -> None:
    """A limit below one send or an empty window is a mistake in the test, not a setting."""
    with pytest.raises(ValueError, match="at least 1"):
        SendLimits(overall=0)
    with pytest.raises(ValueError, match="window positive"):
        SendLimits(window=0)
