"""A fake of Viber's REST bot API: a real aiohttp server on 127.0.0.1, on a random port.

It speaks the calls our channel makes, at ``<url>/pa/<method>``: ``set_webhook``,
``get_account_info``, ``send_message`` and ``broadcast_message`` (at most 300 receivers per
call, else status 3; each subscribed receiver gets the message as from ``send_message``,
the others are answered in its ``failed_list`` with status 6). Like Viber it answers HTTP
200 with a JSON ``status`` (0 is success) and checks ``X-Viber-Auth-Token`` (status 2 when
wrong). Every call is recorded in order, accepted or not; messages Viber would have
delivered are kept per receiver.

On demand it refuses a receiver as not subscribed (status 6), rate-limits the next N
calls (status 12) or fails them with HTTP 5xx. On ``set_webhook`` it calls the webhook URL
back with a signed ``{"event": "webhook", ...}`` as Viber does, and refuses the webhook
(status 1) unless that answer is 200: so a channel that registers its webhook before its
server listens fails here as it would against Viber.

It is stricter than Viber where that catches our mistakes: a message over one of Viber's
documented limits (sender name 28, text 7000, tracking data 4000 characters, request
30 KB) or a ``share-phone`` button without ``min_api_version`` 3 is refused with status 3.

The signature is computed here independently of the code under test (``sign``).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

AUTH_HEADER = "X-Viber-Auth-Token"
SIGNATURE_HEADER = "X-Viber-Content-Signature"
MAX_BROADCAST_RECEIVERS = 300
MAX_REQUEST_BYTES = 30_000
STATUS_MESSAGES = {
    0: "ok",
    1: "invalidUrl",
    2: "invalidAuthToken",
    3: "badData",
    4: "missingData",
    6: "receiverNotSubscribed",
    12: "tooManyRequests",
}

Json = dict[str, Any]


def sign(body: bytes, token: str) -> str:
    """Viber's ``X-Viber-Content-Signature`` of a callback body: hex HMAC-SHA256 keyed by token."""
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def encode_callback(callback: Mapping[str, object]) -> bytes:
    return json.dumps(callback, separators=(",", ":")).encode()


@dataclass(frozen=True)
class ApiCall:
    """One request the fake received, in arrival order."""

    method: str
    payload: Json
    authorized: bool
    status: int = 0  # Viber status answered (-1 for an HTTP error)


@dataclass(frozen=True)
class WebhookCheck:
    """The fake's call back to a webhook URL during ``set_webhook``."""

    url: str
    http_status: int | None
    error: str | None = None


@dataclass
class FakeViberApi:
    token: str
    account_name: str = "VzayemoDiia"
    account_uri: str = "vzayemodiia-test"
    call_back_on_set_webhook: bool = True
    calls: list[ApiCall] = field(default_factory=list)
    webhook_checks: list[WebhookCheck] = field(default_factory=list)
    webhook_url: str | None = None
    webhook_event_types: list[str] = field(default_factory=list)
    _delivered: dict[str, list[Json]] = field(default_factory=dict)
    _unsubscribed: set[str] = field(default_factory=set)
    _rate_limited: int = 0
    _http_failures: list[int] = field(default_factory=list)
    _tokens: itertools.count[int] = field(default_factory=lambda: itertools.count(5_741_311_803))
    _server: TestServer | None = None
    _session: aiohttp.ClientSession | None = None

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/pa/{method}", self._handle)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._server is not None:
            await self._server.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def url(self) -> str:
        """The server's root, e.g. ``http://127.0.0.1:43121``."""
        if self._server is None or self._server.port is None:
            raise RuntimeError("start the fake first")
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def api_url(self) -> str:
        """What ``VZ_VIBER_API_URL`` should be: the root plus ``/pa``."""
        return self.url + "/pa"

    # --- behaviour on demand --------------------------------------------------------------

    def unsubscribe(self, receiver: str) -> None:
        """From now on, sends to ``receiver`` fail with status 6 (receiverNotSubscribed)."""
        self._unsubscribed.add(receiver)

    def subscribe(self, receiver: str) -> None:
        self._unsubscribed.discard(receiver)

    def rate_limit_next(self, calls: int) -> None:
        """The next ``calls`` authorised calls are answered with status 12."""
        self._rate_limited = calls

    def fail_next(self, calls: int, http_status: int = 503) -> None:
        """The next ``calls`` calls get a bare HTTP ``http_status`` (as a proxy might)."""
        self._http_failures.extend([http_status] * calls)

    # --- what happened ----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def messages_to(self, receiver: str) -> list[Json]:
        """Messages accepted for ``receiver`` (by send_message or broadcast), in order."""
        return list(self._delivered.get(receiver, []))

    def broadcast_lists(self) -> list[list[str]]:
        """The receivers of each ``broadcast_message`` call, accepted or not, in order."""
        return [
            [str(receiver) for receiver in call.payload.get("broadcast_list") or []]
            for call in self.calls_to("broadcast_message")
        ]

    @property
    def message_count(self) -> int:
        return sum(len(messages) for messages in self._delivered.values())

    # --- the API ------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        try:
            payload = json.loads(raw) if raw else {}
        except ValueError:
            payload = {"_unparsed": raw.decode(errors="replace")}
        if not isinstance(payload, dict):
            payload = {"_unparsed": payload}
        authorized = hmac.compare_digest(request.headers.get(AUTH_HEADER, ""), self.token)
        if self._http_failures:
            self.calls.append(ApiCall(method, payload, authorized, -1))
            return web.Response(status=self._http_failures.pop(0), text="upstream unavailable")
        status, answer = await self._answer(method, payload, authorized, len(raw))
        self.calls.append(ApiCall(method, payload, authorized, status))
        message = answer.pop("status_message", None) or STATUS_MESSAGES.get(status, "error")
        return web.json_response({"status": status, "status_message": message, **answer})

    async def _answer(
        self, method: str, payload: Json, authorized: bool, size: int
    ) -> tuple[int, Json]:
        if not authorized:
            return 2, {}
        if self._rate_limited:
            self._rate_limited -= 1
            return 12, {}
        if size > MAX_REQUEST_BYTES:
            return 3, {"status_message": f"request of {size} bytes is over 30kb"}
        if method == "set_webhook":
            return await self._set_webhook(payload)
        if method == "get_account_info":
            return 0, self._account_info()
        if method == "send_message":
            return self._send_message(payload)
        if method == "broadcast_message":
            return self._broadcast(payload)
        return 3, {"status_message": f"unknown method {method}"}

    async def _set_webhook(self, payload: Json) -> tuple[int, Json]:
        url = payload.get("url")
        if not isinstance(url, str):
            return 4, {"status_message": "url is missing"}
        if not url:
            self.webhook_url, self.webhook_event_types = None, []
            return 0, {}
        event_types = [str(kind) for kind in payload.get("event_types") or []]
        if self.call_back_on_set_webhook:
            check = await self._call_back(url)
            self.webhook_checks.append(check)
            if check.http_status != 200:
                reason = check.error or f"status {check.http_status}"
                return 1, {"status_message": f"Result[HttpRequest[POST {url}] Failed: {reason}]"}
        self.webhook_url, self.webhook_event_types = url, event_types
        return 0, {"event_types": event_types}

    async def _call_back(self, url: str) -> WebhookCheck:
        body = encode_callback(
            {
                "event": "webhook",
                "timestamp": int(time.time() * 1000),
                "chat_hostname": "SN-FAKE_",
                "message_token": next(self._tokens),
            }
        )
        assert self._session is not None
        try:
            async with self._session.post(
                url, data=body, headers={SIGNATURE_HEADER: sign(body, self.token)}
            ) as response:
                return WebhookCheck(url, response.status)
        except aiohttp.ClientError as error:
            return WebhookCheck(url, None, f"{type(error).__name__}: {error}")

    def _account_info(self) -> Json:
        return {
            "id": "pa:5734311083497523452",
            "name": self.account_name,
            "uri": self.account_uri,
            "icon": "https://example.org/icon.png",
            "category": "Government",
            "subcategory": "Public services",
            "country": "UA",
            "webhook": self.webhook_url or "",
            "event_types": self.webhook_event_types,
            "subscribers_count": sum(1 for _ in self._delivered),
            "members": [],
        }

    def _send_message(self, payload: Json) -> tuple[int, Json]:
        receiver = payload.get("receiver")
        if not isinstance(receiver, str) or not receiver:
            return 4, {"status_message": "receiver is missing"}
        problem = message_problem(payload)
        if problem is not None:
            return 3, {"status_message": problem}
        if receiver in self._unsubscribed:
            return 6, {}
        token = next(self._tokens)
        self._delivered.setdefault(receiver, []).append(payload)
        return 0, {"message_token": token, "chat_hostname": "SN-CHAT-05_", "billing_status": 1}

    def _broadcast(self, payload: Json) -> tuple[int, Json]:
        receivers = payload.get("broadcast_list")
        if not isinstance(receivers, list) or not receivers:
            return 4, {"status_message": "broadcast_list is missing"}
        if len(receivers) > MAX_BROADCAST_RECEIVERS:
            return 3, {"status_message": f"broadcast_list over {MAX_BROADCAST_RECEIVERS}"}
        problem = message_problem(payload)
        if problem is not None:
            return 3, {"status_message": problem}
        failed: list[Json] = []
        for receiver in receivers:
            if receiver in self._unsubscribed:
                failed.append(
                    {"receiver": receiver, "status": 6, "status_message": "Not subscribed"}
                )
            else:
                self._delivered.setdefault(str(receiver), []).append(payload)
        return 0, {"message_token": next(self._tokens), "failed_list": failed}


def message_problem(payload: Json) -> str | None:
    """Why Viber would (or, being stricter, we would) refuse this message; None if fine."""
    sender = payload.get("sender")
    name = sender.get("name") if isinstance(sender, dict) else None
    if not isinstance(name, str) or not 1 <= len(name) <= 28:
        return "sender.name must be 1..28 characters"
    if payload.get("type") != "text":
        return "only text messages are supported by this fake"
    text = payload.get("text")
    if not isinstance(text, str) or not text:
        return "text is missing"
    if len(text) > 7000:
        return f"text of {len(text)} characters is over 7000"
    tracking = payload.get("tracking_data")
    if tracking is not None and (not isinstance(tracking, str) or len(tracking) > 4000):
        return "tracking_data must be a string of at most 4000 characters"
    keyboard = payload.get("keyboard")
    if keyboard is not None:
        return keyboard_problem(keyboard, payload.get("min_api_version"))
    return None


def keyboard_problem(keyboard: object, min_api_version: object) -> str | None:
    if not isinstance(keyboard, dict) or keyboard.get("Type") != "keyboard":
        return "keyboard.Type must be keyboard"
    buttons = keyboard.get("Buttons")
    if not isinstance(buttons, list) or not buttons:
        return "keyboard.Buttons is missing"
    for button in buttons:
        if not isinstance(button, dict):
            return "a button is not an object"
        columns = button.get("Columns", 6)
        if not isinstance(columns, int) or not 1 <= columns <= 6:
            return "Columns must be 1..6"
        if button.get("ActionType") not in ("reply", "share-phone", "open-url", "none"):
            return f"unknown ActionType {button.get('ActionType')!r}"
        if button.get("ActionType") == "share-phone" and not (
            isinstance(min_api_version, int) and min_api_version >= 3
        ):
            return "share-phone needs min_api_version 3"
    return None


def keyboard_rows(keyboard: Mapping[str, Any]) -> list[list[Json]]:
    """The buttons grouped into rows as Viber lays them out: six columns per row."""
    rows: list[list[Json]] = []
    width = 6
    for button in keyboard["Buttons"]:
        columns = int(button.get("Columns", 6))
        if width + columns > 6:
            rows.append([])
            width = 0
        rows[-1].append(button)
        width += columns
    return rows


def button_labeled(messages: Sequence[Json], label_part: str) -> Json:
    """The button of the last keyboard in ``messages`` whose Text contains ``label_part``."""
    for message in reversed(messages):
        keyboard = message.get("keyboard")
        if keyboard is None:
            continue
        for button in keyboard["Buttons"]:
            if label_part.casefold() in str(button["Text"]).casefold():
                return dict(button)
        labels = [button["Text"] for button in keyboard["Buttons"]]
        raise AssertionError(f"no button with {label_part!r} among {labels}")
    raise AssertionError("no keyboard was sent")
