"""Our Viber REST client against the fake Viber API: calls, typed errors, retries, limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.channels.viber.client import RetryPolicy, ViberClient
from bot.channels.viber.delivery import Delivery, deliver
from bot.channels.viber.errors import (
    ReceiverNotSubscribed,
    ViberApiError,
    ViberAuthError,
    ViberRateLimited,
    ViberRequestTooLarge,
    ViberUnavailable,
)
from bot.channels.viber.models import Keyboard, KeyboardButton
from bot.channels.viber.render import messages_for
from handlers.replies import Button, Reply
from tests.channels.viber.conftest import FAST_RETRY, TOKEN
from tests.cli_support import free_port
from tests.fakes.viber_api import FakeViberApi


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def client(fake_viber: FakeViberApi, session: aiohttp.ClientSession) -> ViberClient:
    return ViberClient(fake_viber.api_url, TOKEN, session, retry=FAST_RETRY)


async def test_account_info_is_typed_and_token_is_sent(
    client: ViberClient, fake_viber: FakeViberApi
) -> None:
    """get_account_info sends the token header and returns the account's uri."""
    account = await client.get_account_info()
    assert account.uri == "vzayemodiia-test"
    assert account.id.startswith("pa:")
    (call,) = fake_viber.calls
    assert (call.method, call.authorized, call.status) == ("get_account_info", True, 0)


async def test_wrong_token_is_an_auth_error(
    fake_viber: FakeViberApi, session: aiohttp.ClientSession
) -> None:
    """Status 2 becomes ViberAuthError, without retries."""
    client = ViberClient(fake_viber.api_url, "wrong", session, retry=FAST_RETRY)
    with pytest.raises(ViberAuthError) as raised:
        await client.get_account_info()
    assert raised.value.status == 2
    assert len(fake_viber.calls) == 1


async def test_send_message_returns_token_and_is_recorded(
    client: ViberClient, fake_viber: FakeViberApi
) -> None:
    """A text with a keyboard and tracking data arrives as Viber's message JSON."""
    keyboard = Keyboard((KeyboardButton("reply", "vz:menu", "Menu"),))
    token = await client.send_message("u1", "Hello", keyboard, tracking_data="t")
    assert token.isdigit()
    (message,) = fake_viber.messages_to("u1")
    assert message["sender"] == {"name": "VzayemoDiia"}
    assert (message["type"], message["text"], message["tracking_data"]) == ("text", "Hello", "t")
    assert message["keyboard"]["Buttons"][0]["ActionBody"] == "vz:menu"


async def test_unsubscribed_receiver_is_a_distinct_error(
    client: ViberClient, fake_viber: FakeViberApi
) -> None:
    """Status 6 raises ReceiverNotSubscribed (not retried)."""
    fake_viber.unsubscribe("gone")
    with pytest.raises(ReceiverNotSubscribed):
        await client.send_message("gone", "Hello")
    assert len(fake_viber.calls_to("send_message")) == 1


async def test_rate_limit_is_retried_with_backoff(
    client: ViberClient, fake_viber: FakeViberApi
) -> None:
    """Status 12 twice, then success: three calls, one message delivered."""
    fake_viber.rate_limit_next(2)
    await client.send_message("u1", "Hello")
    assert [c.status for c in fake_viber.calls_to("send_message")] == [12, 12, 0]
    assert len(fake_viber.messages_to("u1")) == 1


async def test_retries_are_bounded(client: ViberClient, fake_viber: FakeViberApi) -> None:
    """A rate limit that outlasts the attempts raises ViberRateLimited after exactly three."""
    fake_viber.rate_limit_next(10)
    with pytest.raises(ViberRateLimited):
        await client.send_message("u1", "Hello")
    assert len(fake_viber.calls) == 3
    assert fake_viber.messages_to("u1") == []


async def test_server_errors_are_retried(client: ViberClient, fake_viber: FakeViberApi) -> None:
    """HTTP 503 and 502 are transient: the third attempt succeeds."""
    fake_viber.fail_next(1, 503)
    fake_viber.fail_next(1, 502)
    account = await client.get_account_info()
    assert account.name == "VzayemoDiia"
    assert [c.status for c in fake_viber.calls] == [-1, -1, 0]


async def test_other_statuses_are_api_errors(client: ViberClient) -> None:
    """A refused call (status 4, no receiver) is a ViberApiError with Viber's message."""
    with pytest.raises(ViberApiError) as raised:
        await client.send_message("", "Hello")
    assert raised.value.status == 4
    assert "receiver" in raised.value.status_message


async def test_unreachable_api_is_unavailable(session: aiohttp.ClientSession) -> None:
    """Nothing listening: ViberUnavailable after the bounded retries."""
    client = ViberClient(f"http://127.0.0.1:{free_port()}/pa", TOKEN, session, retry=FAST_RETRY)
    with pytest.raises(ViberUnavailable, match="cannot connect"):
        await client.get_account_info()


async def test_limits_are_checked_before_sending(
    client: ViberClient, fake_viber: FakeViberApi, session: aiohttp.ClientSession
) -> None:
    """Over-long text or tracking data, a long sender name, a 30 KB request: nothing sent."""
    with pytest.raises(ValueError, match="7000"):
        await client.send_message("u1", "x" * 7001)
    with pytest.raises(ValueError, match="4000"):
        await client.send_message("u1", "x", tracking_data="t" * 4001)
    with pytest.raises(ValueError, match="text"):
        await client.send_message("u1", "")
    with pytest.raises(ValueError, match="28"):
        ViberClient(fake_viber.api_url, TOKEN, session, sender_name="n" * 29)
    huge = Keyboard(tuple(KeyboardButton("reply", f"vz:{n}", "ї" * 200) for n in range(80)))
    with pytest.raises(ViberRequestTooLarge):
        await client.send_message("u1", "x", keyboard=huge)
    assert fake_viber.calls == []


async def test_remove_webhook(client: ViberClient, fake_viber: FakeViberApi) -> None:
    """remove_webhook sets an empty URL."""
    await client.remove_webhook()
    (call,) = fake_viber.calls
    assert (call.method, call.payload, call.status) == ("set_webhook", {"url": ""}, 0)


async def test_long_reply_is_delivered_in_parts_with_keyboard_last(
    client: ViberClient, fake_viber: FakeViberApi
) -> None:
    """A 15,000-character reply arrives as three messages Viber accepts; buttons on the last."""
    text = "\n\n".join(f"Paragraph {n}." + " words" * 80 for n in range(30))
    reply = Reply(text, [[Button.raw("Main menu", "menu")]])
    outcome = await deliver(client, "u1", messages_for(reply, client.sender_name))
    assert outcome is Delivery.SENT
    received = fake_viber.messages_to("u1")
    assert len(received) == 3
    assert all(len(message["text"]) <= 7000 for message in received)
    assert ["keyboard" in message for message in received] == [False, False, True]
    assert "\n\n".join(message["text"] for message in received) == text


async def test_delivery_stops_and_reports_an_unsubscribed_receiver(
    client: ViberClient, fake_viber: FakeViberApi
) -> None:
    """Status 6 on the first part: nothing more is sent and the outcome says why."""
    fake_viber.unsubscribe("gone")
    messages = messages_for(Reply("x" * 9000), client.sender_name)
    assert await deliver(client, "gone", messages) is Delivery.UNSUBSCRIBED
    assert len(fake_viber.calls_to("send_message")) == 1


def test_backoff_doubles_up_to_the_cap() -> None:
    """Delays double from the first and stop growing at the cap."""
    policy = RetryPolicy(attempts=6, first_delay=0.5, max_delay=3.0)
    assert [policy.delay(n) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


async def test_broadcast_message_reports_who_did_not_get_it(
    client: ViberClient, fake_viber: FakeViberApi
) -> None:
    """One call to three receivers: the subscribed get the message with its keyboard, the
    unsubscribed one comes back from Viber's failed_list as unreachable."""
    fake_viber.unsubscribe("gone")
    keyboard = Keyboard((KeyboardButton("reply", "vz:stop", "Stop"),))
    failures = await client.broadcast_message(["a", "gone", "b"], "News", keyboard)
    assert list(failures.unreachable) == ["gone"]
    assert "6" in failures.unreachable["gone"]
    assert failures.failed == {}
    assert fake_viber.broadcast_lists() == [["a", "gone", "b"]]
    assert [m["text"] for m in fake_viber.messages_to("a") + fake_viber.messages_to("b")] == [
        "News",
        "News",
    ]
    assert fake_viber.messages_to("a")[0]["keyboard"]["Buttons"][0]["ActionBody"] == "vz:stop"
    assert fake_viber.messages_to("gone") == []


async def test_broadcast_message_takes_at_most_300_receivers(
    client: ViberClient, fake_viber: FakeViberApi
) -> None:
    """301 receivers (or none) are refused before anything is sent; 300 go in one call."""
    for receivers in ([], [f"u{n}" for n in range(301)]):
        with pytest.raises(ValueError, match=r"1\.\.300 receivers"):
            await client.broadcast_message(receivers, "News")
    assert fake_viber.calls == []
    failures = await client.broadcast_message([f"u{n}" for n in range(300)], "News")
    assert (failures.unreachable, failures.failed) == ({}, {})
    assert [len(receivers) for receivers in fake_viber.broadcast_lists()] == [300]


async def test_the_double_refuses_a_broadcast_over_300_as_viber_would(
    fake_viber: FakeViberApi, session: aiohttp.ClientSession
) -> None:
    """A broadcast_list of 301 sent past our client's check is answered with status 3 and
    delivers nothing; a wrong token is status 2."""
    payload = {
        "broadcast_list": [f"u{n}" for n in range(301)],
        "sender": {"name": "VzayemoDiia"},
        "type": "text",
        "text": "News",
    }
    url = f"{fake_viber.api_url}/broadcast_message"
    async with session.post(url, json=payload, headers={"X-Viber-Auth-Token": TOKEN}) as answer:
        assert (await answer.json())["status"] == 3
    async with session.post(url, json=payload, headers={"X-Viber-Auth-Token": "no"}) as answer:
        assert (await answer.json())["status"] == 2
    assert fake_viber.message_count == 0
    assert [call.status for call in fake_viber.calls_to("broadcast_message")] == [3, 2]


async def test_other_broadcast_failures_are_failed_not_unreachable(
    client: ViberClient, fake_viber: FakeViberApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed_list entry with a status other than 5 or 6 (no suitable device) is a
    failure to try again, not an unreachable user."""
    original = fake_viber._broadcast

    def with_one_device_failure(payload: dict[str, object]) -> tuple[int, dict[str, object]]:
        status, answer = original(payload)
        answer["failed_list"] = [
            {"receiver": "old-phone", "status": 11, "status_message": "noSuitableDevice"}
        ]
        return status, answer

    monkeypatch.setattr(fake_viber, "_broadcast", with_one_device_failure)
    failures = await client.broadcast_message(["a", "old-phone"], "News")
    assert failures.unreachable == {}
    assert list(failures.failed) == ["old-phone"]
