"""Starting the Viber channel: token check, share links, webhook registration, failures."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.base import ChannelStartError
from bot.channels.viber.channel import WEBHOOK_EVENT_TYPES, ViberChannel
from bot.web.server import create_app
from civic.clock import FixedClock
from handlers.core import ConversationCore
from storage.db import Database
from tests.channels.viber import builders
from tests.channels.viber.conftest import (
    FAST_RETRY,
    TOKEN,
    ViberHarness,
    viber_settings,
)
from tests.cli_support import free_port, run_cli_async
from tests.fakes.viber_api import (
    SIGNATURE_HEADER,
    FakeViberApi,
    WebhookCheck,
    encode_callback,
    sign,
)


async def test_webhook_is_set_after_the_server_listens(
    viber: ViberHarness, core: ConversationCore
) -> None:
    """start() checks the token, then sets the webhook; Viber's check call gets 200."""
    url = f"{viber.channel.webhook_url}"
    assert url.endswith("/webhooks/viber")
    assert [call.method for call in viber.fake.calls] == ["get_account_info", "set_webhook"]
    payload = viber.fake.calls_to("set_webhook")[0].payload
    assert payload["url"] == url
    assert payload["event_types"] == list(WEBHOOK_EVENT_TYPES)
    assert viber.fake.webhook_checks == [WebhookCheck(url, 200)]
    assert viber.fake.webhook_url == url
    link = core.share_links["viber"]("petition_5")
    assert link == "viber://pa?chatURI=vzayemodiia-test&context=petition_5"


async def test_webhook_refused_before_the_server_listens(
    database_url: str, core: ConversationCore, fake_viber: FakeViberApi
) -> None:
    """Viber calls the URL back during set_webhook: with nothing listening, start() fails."""
    public = f"http://127.0.0.1:{free_port()}"
    channel = ViberChannel(viber_settings(database_url, fake_viber.api_url, public), core)
    with pytest.raises(ChannelStartError, match=r"^VZ_PUBLIC_URL: Viber refuses the webhook"):
        await channel.start()
    assert fake_viber.webhook_url is None


async def test_bad_token_names_the_setting(
    database_url: str, core: ConversationCore, fake_viber: FakeViberApi
) -> None:
    """A token Viber rejects is one line naming VZ_VIBER_TOKEN; the HTTP session is closed."""
    settings = viber_settings(database_url, fake_viber.api_url, None, token="wrong-token")
    channel = ViberChannel(settings, core, retry=FAST_RETRY)
    with pytest.raises(ChannelStartError) as raised:
        await channel.start()
    message = str(raised.value)
    assert message.startswith("VZ_VIBER_TOKEN is rejected by Viber: ")
    assert "\n" not in message
    assert "wrong-token" not in message
    assert channel._session is None  # no HTTP session left open
    assert [call.method for call in fake_viber.calls] == ["get_account_info"]


async def test_unreachable_api_names_the_url_setting(
    database_url: str, core: ConversationCore
) -> None:
    """Nothing answering at VZ_VIBER_API_URL is a start error naming that variable."""
    api_url = f"http://127.0.0.1:{free_port()}/pa"
    channel = ViberChannel(viber_settings(database_url, api_url, None), core, retry=FAST_RETRY)
    with pytest.raises(ChannelStartError, match=r"^VZ_VIBER_API_URL: .* does not answer"):
        await channel.start()


async def test_without_public_url_no_webhook_and_a_warning(
    database_url: str,
    core: ConversationCore,
    fake_viber: FakeViberApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without VZ_PUBLIC_URL the channel starts, sets no webhook, and warns why."""
    channel = ViberChannel(viber_settings(database_url, fake_viber.api_url, None), core)
    with caplog.at_level(logging.WARNING):
        await channel.start()
    await channel.stop()
    assert [call.method for call in fake_viber.calls] == ["get_account_info"]
    assert "VZ_PUBLIC_URL is not set" in caplog.text
    assert "viber" in core.share_links


async def test_callbacks_before_start_are_answered(
    database: Database,
    database_url: str,
    clock: FixedClock,
    core: ConversationCore,
    fake_viber: FakeViberApi,
) -> None:
    """A message arriving while start() has not run yet is still answered (client made lazily)."""
    channel = ViberChannel(viber_settings(database_url, fake_viber.api_url, None), core)
    app = create_app(database, clock)
    channel.add_routes(app)
    client: TestClient[web.Request, web.Application] = TestClient(TestServer(app))
    await client.start_server()
    try:
        body = encode_callback(builders.text_message("early", "vz:menu"))
        async with client.post(
            "/webhooks/viber", data=body, headers={SIGNATURE_HEADER: sign(body, TOKEN)}
        ) as response:
            assert response.status == 200
    finally:
        await channel.stop()
        await client.close()
    assert len(fake_viber.messages_to("early")) == 1


@pytest.mark.slow
async def test_serve_with_a_bad_token_exits_with_one_line(
    tmp_path: Path, fake_viber: FakeViberApi
) -> None:
    """`vzayemodiia serve` with a rejected VZ_VIBER_TOKEN: non-zero, one line, no traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VZ_")}
    env.update(
        VZ_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'serve.sqlite3'}",
        VZ_SECRET_KEY="serve-test-secret-key-123",
        VZ_HTTP_PORT=str(free_port()),
        VZ_VIBER_TOKEN="rejected-token",
        VZ_VIBER_API_URL=fake_viber.api_url,
        VZ_PUBLIC_URL="https://example.org",
    )
    returncode, _ = await run_cli_async("migrate", env=env, cwd=tmp_path)
    assert returncode == 0
    returncode, stderr = await run_cli_async("serve", env=env, cwd=tmp_path)
    assert returncode != 0
    assert "Traceback" not in stderr
    naming = [line for line in stderr.splitlines() if "VZ_VIBER_TOKEN" in line]
    assert naming == ["vzayemodiia: VZ_VIBER_TOKEN is rejected by Viber: invalidAuthToken"]
    # Anything else on stderr is an INFO log record of the start-up (schema check).
    others = [line for line in stderr.splitlines() if line and line not in naming]
    assert all(" INFO " in line for line in others), stderr
    assert "rejected-token" not in stderr
    assert [call.method for call in fake_viber.calls] == ["get_account_info"]


@pytest.mark.slow
async def test_serve_registers_the_webhook_once_listening(
    tmp_path: Path, fake_viber: FakeViberApi
) -> None:
    """`vzayemodiia serve` with a good token sets the webhook; Viber's check call gets 200."""
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VZ_")}
    env.update(
        VZ_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'serve.sqlite3'}",
        VZ_SECRET_KEY="serve-test-secret-key-123",
        VZ_HTTP_PORT=str(port),
        VZ_VIBER_TOKEN=TOKEN,
        VZ_VIBER_API_URL=fake_viber.api_url,
        VZ_PUBLIC_URL=public,
    )
    returncode, _ = await run_cli_async("migrate", env=env, cwd=tmp_path)
    assert returncode == 0
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        for _ in range(600):
            if fake_viber.webhook_url is not None or process.returncode is not None:
                break
            await asyncio.sleep(0.05)
        assert fake_viber.webhook_url == f"{public}/webhooks/viber"
        assert fake_viber.webhook_checks == [WebhookCheck(f"{public}/webhooks/viber", 200)]
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert "Traceback" not in err.decode()
