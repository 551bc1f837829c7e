"""A Telegram Bot API server of our own, for tests: real HTTP on 127.0.0.1, no network.

It answers ``POST /bot<token>/<method>`` the way Telegram does (``{"ok": true, "result":
...}`` or ``{"ok": false, "error_code": ..., "description": ...}``), reading JSON, urlencoded
and multipart bodies (aiogram sends forms, with nested objects as JSON strings, and
multipart when a file goes along). It implements what the channel uses: getMe, setWebhook,
deleteWebhook, getUpdates (a queue the test pushes to, with a short long-poll),
sendMessage, sendPhoto, editMessageText, editMessageReplyMarkup, answerCallbackQuery,
setMyCommands and deleteMyCommands.

Texts sent with ``parse_mode=HTML`` are parsed as Telegram would: the stored message holds
the text as displayed plus its entities, so a test sees whether markup stayed inert.

Every call is recorded in order (``calls``), failed ones too. Failures on demand: any
token other than the configured one gets 401; ``fail_next`` makes the next calls of a
method fail (429 with ``retry_after`` by default); ``block`` makes a chat answer 403 "bot
was blocked by the user".

Sending limits (off unless asked for; without them nothing below ever answers 429).
Telegram's FAQ: "avoid sending more than one message per second in a particular chat"
and "the API will not allow bulk notifications to more than ~30 users per second";
``allow_paid_broadcast`` raises the latter to 1000 messages per second. Turn them on with
``FakeTelegramAPI(limits=SendLimits())`` or, on a running double,
``api.enforce_limits(overall=30, per_chat=1, paid_overall=1000, window=1.0)``;
``api.lift_limits()`` turns them off again. With limits on, a counted send is refused when
it would make, within any sliding ``window`` seconds (half-open: a send exactly ``window``
seconds after another no longer sees it):

* more than ``per_chat`` sends to its chat (paid or not: paying lifts only the
  broadcast limit), or
* more than ``overall`` sends without ``allow_paid_broadcast`` across all chats, or
* more than ``paid_overall`` sends with ``allow_paid_broadcast=true`` across all chats
  (the paid and the free sends are two separate windows).

It is answered as Telegram does: HTTP 429 ``{"ok": false, "error_code": 429,
"description": "Too Many Requests: retry after X", "parameters": {"retry_after": X}}``, X
being the whole seconds (at least 1, rounded up) until the window would take the send;
nothing is stored, the request goes to ``calls`` with status 429 and to ``rejections``.

Counted ("sends") are the methods that put a new message into a chat, ``SEND_METHODS``:
sendMessage, sendPhoto, sendDocument and the other send* of a message, sendMediaGroup,
copyMessage(s) and forwardMessage(s), one per request (the double implements only the
first three; the others answer 404 before any limit is looked at). Not counted: getMe,
webhooks, getUpdates, answerCallbackQuery, sendChatAction, commands, and edits (they
change a message already there; the FAQ's limits speak of messages sent). A send counts
only when accepted: one that fails for another reason (400, 403) uses up nothing.

Every accepted send is recorded, limits on or off, in ``sends`` (``AcceptedSend``: the
``time.monotonic()`` reading when the double admitted it, method, chat id, message id,
whether ``allow_paid_broadcast`` was set). Times come from ``clock`` (``time.monotonic``
unless a test gives its own). For checks: ``accepted_count()``, ``rejected_429s()``,
``max_in_any_window()``, ``max_per_chat_in_any_window()``, ``messages_per_chat()``,
``achieved_rate()``. Requests of webhook answers (``webhook_answer``) are counted and
limited as well, as Telegram does with them.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import json
import math
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Literal, Self

from aiohttp import web
from multidict import MultiDictProxy

DEFAULT_TOKEN = "123456789:TEST-token_for-the-fake-api"
BOT_USERNAME = "vzayemodiia_test_bot"
MAX_TEXT = 4096
MAX_CAPTION = 1024
EPOCH = 1_795_000_000  # the "date" of every message: a fixed moment, tests need no clock

# Form fields that carry JSON (aiogram serialises nested objects and lists this way).
JSON_FIELDS = frozenset(
    {"reply_markup", "commands", "scope", "allowed_updates", "entities", "link_preview_options"}
)
INT_FIELDS = frozenset(
    {"chat_id", "message_id", "offset", "limit", "timeout", "user_id", "max_connections"}
)
BOOL_FIELDS = frozenset(
    {"drop_pending_updates", "show_alert", "disable_notification", "allow_paid_broadcast"}
)
# The tags Telegram's HTML parse mode knows; anything else is a 400.
HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
     "span", "blockquote", "tg-emoji"}
)  # fmt: skip


# The methods that put a new message into a chat: what Telegram's sending limits count.
SEND_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendAudio", "sendVideo", "sendAnimation",
     "sendVoice", "sendVideoNote", "sendPaidMedia", "sendMediaGroup", "sendLocation",
     "sendVenue", "sendContact", "sendPoll", "sendChecklist", "sendDice", "sendSticker",
     "sendInvoice", "sendGame", "copyMessage", "copyMessages", "forwardMessage",
     "forwardMessages"}
)  # fmt: skip

Limit = Literal["per_chat", "overall", "paid_overall"]


@dataclass(frozen=True, slots=True)
class SendLimits:
    """Telegram's sending limits: at most so many sends in any sliding ``window`` seconds."""

    overall: int = 30  # sends without allow_paid_broadcast, all chats together
    per_chat: int = 1  # sends to one chat, paid or not
    paid_overall: int = 1000  # sends with allow_paid_broadcast=true, all chats together
    window: float = 1.0

    def __post_init__(self) -> None:
        if min(self.overall, self.per_chat, self.paid_overall) < 1 or self.window <= 0:
            raise ValueError(f"limits must be at least 1 and the window positive: {self}")


@dataclass(frozen=True, slots=True)
class AcceptedSend:
    """A counted send the double accepted (see ``SEND_METHODS``)."""

    at: float  # the clock's reading (time.monotonic()) when the double admitted it
    method: str
    chat_id: int | str | None
    message_id: int | None
    paid: bool  # allow_paid_broadcast was set


@dataclass(frozen=True, slots=True)
class RejectedSend:
    """A counted send the double answered 429 because of its limits."""

    at: float
    method: str
    chat_id: int | str | None
    paid: bool
    limits: tuple[Limit, ...]  # the limits it was over, "per_chat" first
    retry_after: int


@dataclass(frozen=True, slots=True)
class UploadedFile:
    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One request as the fake understood it, and the HTTP status it answered."""

    method: str
    params: dict[str, Any]
    token: str
    status: int


@dataclass(slots=True)
class _Failure:
    remaining: int
    status: int
    description: str
    retry_after: int | None


class ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _chat_key(value: Any) -> int | str | None:
    """A send's chat as the limits see it: an id (also given as digits) or a @username."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value:
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    return None


def _paid(params: Mapping[str, Any]) -> bool:
    return params.get("allow_paid_broadcast") in (True, "true", "True", "1")


def _max_in_window(times: list[float], seconds: float) -> int:
    """The most of ``times`` (sorted) in any half-open window [t, t + seconds)."""
    return max(
        (bisect.bisect_left(times, start + seconds, lo=i) - i for i, start in enumerate(times)),
        default=0,
    )


@dataclass(slots=True)
class _Windows:
    """The admitted sends still inside the window, oldest first: per chat, free and paid."""

    per_chat: dict[int | str, deque[float]] = field(default_factory=dict)
    free: deque[float] = field(default_factory=deque)
    paid: deque[float] = field(default_factory=deque)


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _EntityParser(HTMLParser):
    """Telegram's HTML parse mode, enough for tests: displayed text plus entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self._open: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise ApiError(400, f"Bad Request: can't parse entities: Unsupported start tag {tag!r}")
        self._open.append((tag, _utf16_length(self.text)))

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            raise ApiError(400, f"Bad Request: can't parse entities: unexpected end tag {tag!r}")
        _, start = self._open.pop()
        length = _utf16_length(self.text) - start
        self.entities.append({"type": tag, "offset": start, "length": length})

    def handle_data(self, data: str) -> None:
        self.text += data


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    parser = _EntityParser()
    parser.feed(text)
    parser.close()
    if parser._open:
        raise ApiError(400, "Bad Request: can't parse entities: unclosed start tag")
    return parser.text, parser.entities


def _decode(key: str, value: str) -> Any:
    if key in JSON_FIELDS:
        return json.loads(value)
    if key in INT_FIELDS and re.fullmatch(r"-?\d+", value):
        return int(value)
    if key in BOOL_FIELDS and value in ("true", "false"):
        return value == "true"
    return value


@dataclass
class FakeTelegramAPI:
    """The fake server; ``async with FakeTelegramAPI() as api:`` or ``start()``/``close()``."""

    token: str = DEFAULT_TOKEN
    username: str = BOT_USERNAME
    # getUpdates waits at most this long for an update, whatever timeout it asks for.
    max_long_poll: float = 0.5
    calls: list[ApiCall] = field(default_factory=list)
    # Stored messages by (chat id, message id), as Telegram would return them.
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    webhook: dict[str, Any] | None = None
    # setMyCommands by (scope type, language code or "").
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    # Telegram's sending limits; None (the default): no limit at all. See the module doc.
    limits: SendLimits | None = None
    # Where the times of sends come from; a test may give a clock it moves itself.
    clock: Callable[[], float] = time.monotonic
    sends: list[AcceptedSend] = field(default_factory=list)
    rejections: list[RejectedSend] = field(default_factory=list)
    _windows: _Windows = field(default_factory=_Windows)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _update_pushed: asyncio.Event = field(default_factory=asyncio.Event)
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    url: str = ""

    def __post_init__(self) -> None:
        self._rebuild_windows()

    # --- life cycle ------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    # --- what a test arranges ----------------------------------------------------------

    def push_update(self, update: Mapping[str, Any]) -> None:
        """Queue an update for getUpdates."""
        self._updates.append(dict(update))
        self._update_pushed.set()

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        description: str | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` fail (429 with ``retry_after`` by default)."""
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if status == 429
                else f"Error {status}"
            )
        failure = _Failure(times, status, description, retry_after if status == 429 else None)
        self._failures.setdefault(method, []).append(failure)

    def enforce_limits(
        self,
        overall: int = 30,
        per_chat: int = 1,
        *,
        paid_overall: int = 1000,
        window: float = 1.0,
    ) -> SendLimits:
        """From now on refuse with 429 the sends over Telegram's limits (see the module doc).

        The sends accepted before count too, as they would at Telegram.
        """
        self.limits = SendLimits(overall, per_chat, paid_overall, window)
        self._rebuild_windows()
        return self.limits

    def lift_limits(self) -> None:
        """No limits any more (the default); sends are still recorded."""
        self.limits = None
        self._rebuild_windows()

    def block(self, chat_id: int) -> None:
        """The user of this private chat blocked the bot: sending to it answers 403."""
        self.blocked.add(chat_id)

    async def webhook_answer(self, content_type: str, body: bytes) -> None:
        """Make the Bot API call a webhook's answer carries, if any, as Telegram does.

        Telegram lets a webhook answer with one method call (``{"method": ..., ...}``)
        instead of a separate request; it is recorded here like any other call.
        """
        if content_type != "application/json" or b'"method"' not in body:
            return
        try:
            payload = json.loads(body)
        except ValueError:
            return
        if not isinstance(payload, dict) or not isinstance(payload.get("method"), str):
            return
        params = {key: value for key, value in payload.items() if key != "method"}
        method = payload["method"]
        status = 200
        try:
            await self._call(method, params)
        except ApiError as error:
            status = error.status
        self.calls.append(ApiCall(method, params, self.token, status))

    # --- what a test reads -----------------------------------------------------------

    def calls_of(self, method: str, *, ok_only: bool = True) -> list[dict[str, Any]]:
        """The params of the calls of ``method`` in order (answered 200 only, by default)."""
        return [
            call.params
            for call in self.calls
            if call.method == method and (call.status == 200 or not ok_only)
        ]

    def methods(self) -> list[str]:
        """The methods called so far, in order, without the polls."""
        return [call.method for call in self.calls if call.method != "getUpdates"]

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The messages now in a chat (edits applied), oldest first."""
        return [message for (chat, _), message in sorted(self.messages.items()) if chat == chat_id]

    def last_message(self, chat_id: int) -> dict[str, Any]:
        messages = self.chat_messages(chat_id)
        assert messages, f"no message in chat {chat_id}"
        return messages[-1]

    def accepted_count(self, *, paid: bool | None = None) -> int:
        """How many counted sends were accepted (only the paid or the free ones, if given)."""
        return len(self._accepted(paid))

    def rejected_429s(self, limit: Limit | None = None) -> list[RejectedSend]:
        """The sends refused for the limits, in order (only those over ``limit``, if given)."""
        return [r for r in self.rejections if limit is None or limit in r.limits]

    def max_in_any_window(self, seconds: float = 1.0, *, paid: bool | None = None) -> int:
        """The most accepted sends (all, or only paid/free ones) in any sliding window of
        ``seconds``: [t, t + seconds), t running over the sends' times."""
        return _max_in_window([send.at for send in self._accepted(paid)], seconds)

    def max_per_chat_in_any_window(self, seconds: float = 1.0) -> int:
        """The most accepted sends to one chat in any sliding window of ``seconds``."""
        by_chat: dict[int | str | None, list[float]] = {}
        for send in self._accepted(None):
            by_chat.setdefault(send.chat_id, []).append(send.at)
        return max((_max_in_window(times, seconds) for times in by_chat.values()), default=0)

    def messages_per_chat(self) -> dict[int | str | None, int]:
        """How many sends each chat accepted (a broadcast: 1 each)."""
        return dict(Counter(send.chat_id for send in self.sends))

    def achieved_rate(self, *, paid: bool | None = None) -> float:
        """Accepted sends per second: (count - 1) / (last time - first time).

        n sends span n - 1 intervals, so sends exactly 1/30 s apart give 30.0, however
        many. Infinite when they all came at one instant; needs at least two sends.
        """
        sends = self._accepted(paid)
        if len(sends) < 2:
            raise ValueError(f"a rate needs at least two accepted sends, there are {len(sends)}")
        span = sends[-1].at - sends[0].at
        return (len(sends) - 1) / span if span > 0 else math.inf

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": int(self.token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "VzayemoDiia (test)",
            "username": self.username,
        }

    # --- the server --------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        form: MultiDictProxy[Any] = await request.post()
        params: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(value.filename, value.file.read())
            else:
                params[key] = _decode(key, str(value))
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = files[value.removeprefix("attach://")]
        return params

    async def _serve(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        params = await self._params(request)
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            self._injected_failure(method)
            result = await self._call(method, params)
        except ApiError as error:
            self.calls.append(ApiCall(method, params, token, error.status))
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return web.json_response(body, status=error.status)
        self.calls.append(ApiCall(method, params, token, 200))
        return web.json_response({"ok": True, "result": result})

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
        """Answer one method call: its result, or ApiError (404, 429 over the limits, ...)."""
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        if method not in SEND_METHODS:
            return await handler(params)
        chat, paid = _chat_key(params.get("chat_id")), _paid(params)
        at = self._admit(method, chat, paid)
        try:
            result = await handler(params)
        except ApiError:
            self._release(at, chat, paid)
            raise
        message_id = result.get("message_id") if isinstance(result, dict) else None
        self.sends.append(AcceptedSend(at, method, chat, message_id, paid))
        return result

    def _admit(self, method: str, chat: int | str | None, paid: bool) -> float:
        """The time of a send within the limits, holding its place in the windows (so a
        send admitted meanwhile sees it); else ApiError 429 as Telegram answers it."""
        at = self.clock()
        limits = self.limits
        if limits is None:
            return at
        windows = self._windows
        overall = windows.paid if paid else windows.free
        checks: list[tuple[Limit, deque[float], int]] = []
        if chat is not None:
            checks.append(("per_chat", windows.per_chat.setdefault(chat, deque()), limits.per_chat))
        if paid:
            checks.append(("paid_overall", overall, limits.paid_overall))
        else:
            checks.append(("overall", overall, limits.overall))
        over: list[Limit] = []
        wait = 0.0
        for name, times, cap in checks:
            while times and times[0] <= at - limits.window:
                times.popleft()
            if len(times) >= cap:
                over.append(name)
                # It fits once all but cap - 1 of those in the window have left it.
                wait = max(wait, times[len(times) - cap] + limits.window - at)
        if over:
            retry_after = max(1, math.ceil(wait))
            self.rejections.append(RejectedSend(at, method, chat, paid, tuple(over), retry_after))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        for _, times, _ in checks:
            times.append(at)
        return at

    def _release(self, at: float, chat: int | str | None, paid: bool) -> None:
        """Give back the place of an admitted send that failed otherwise (400, 403)."""
        if self.limits is None:
            return
        windows = self._windows
        held = [windows.paid if paid else windows.free]
        if chat is not None and chat in windows.per_chat:
            held.append(windows.per_chat[chat])
        for times in held:
            if at in times:
                times.remove(at)

    def _rebuild_windows(self) -> None:
        """The windows from the accepted sends, after the limits changed."""
        self._windows = _Windows()
        if self.limits is None:
            return
        for send in self.sends:
            (self._windows.paid if send.paid else self._windows.free).append(send.at)
            if send.chat_id is not None:
                self._windows.per_chat.setdefault(send.chat_id, deque()).append(send.at)

    def _accepted(self, paid: bool | None) -> list[AcceptedSend]:
        """The accepted sends (all, paid or free) by their time."""
        chosen = [send for send in self.sends if paid is None or send.paid == paid]
        return sorted(chosen, key=lambda send: send.at)

    def _injected_failure(self, method: str) -> None:
        queue = self._failures.get(method)
        if not queue:
            return
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.pop(0)
        raise ApiError(failure.status, failure.description, failure.retry_after)

    def _chat_id(self, params: Mapping[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    @staticmethod
    def _displayed(params: Mapping[str, Any], key: str, limit: int) -> dict[str, Any]:
        """The text (or caption) as Telegram shows it, with entities; checks its length."""
        raw = params.get(key)
        if raw is None:
            return {}
        text = str(raw)
        entities: list[dict[str, Any]] = []
        if params.get("parse_mode") == "HTML":
            text, entities = parse_html(text)
        if not text.strip():
            raise ApiError(400, f"Bad Request: message {key} is empty")
        if _utf16_length(text) > limit:
            what = "message is too long" if key == "text" else "message caption is too long"
            raise ApiError(400, f"Bad Request: {what}")
        shown: dict[str, Any] = {key: text}
        if entities:
            shown["entities" if key == "text" else "caption_entities"] = entities
        return shown

    def _new_message(self, chat_id: int, content: dict[str, Any], markup: Any) -> dict[str, Any]:
        message_id = next(self._message_ids)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self.bot_user(),
            "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
            "date": EPOCH + message_id,
            **content,
        }
        # A message keeps only an inline keyboard; a reply keyboard belongs to the chat.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.messages[(chat_id, message_id)] = message
        return message

    def _stored(self, params: Mapping[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        message = self.messages.get((chat_id, params.get("message_id", 0)))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    # --- the methods -------------------------------------------------------------------

    async def _api_getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user(),
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        self.webhook = dict(params) if url else None
        return True

    async def _api_deleteWebhook(self, _params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        # Telegram forgets the updates below the offset: they are confirmed.
        self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]
        if not self._updates:
            self._update_pushed.clear()
            wait = min(float(params.get("timeout") or 0), self.max_long_poll)
            try:
                await asyncio.wait_for(self._update_pushed.wait(), wait)
            except TimeoutError:
                return []
        limit = int(params.get("limit") or 100)
        return [u for u in self._updates if int(u["update_id"]) >= offset][:limit]

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        content = self._displayed(params, "text", MAX_TEXT)
        if not content:
            raise ApiError(400, "Bad Request: message text is empty")
        return self._new_message(chat_id, content, params.get("reply_markup"))

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        photo = params.get("photo")
        if not isinstance(photo, UploadedFile) or not photo.content:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        size = {"file_id": f"photo-{len(self.messages) + 1}", "file_unique_id": "u", "width": 1,
                "height": 1, "file_size": len(photo.content)}  # fmt: skip
        content = {"photo": [size], **self._displayed(params, "caption", MAX_CAPTION)}
        return self._new_message(chat_id, content, params.get("reply_markup"))

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        document = params.get("document")
        if not isinstance(document, UploadedFile) or not document.content:
            raise ApiError(400, "Bad Request: there is no document in the request")
        content = {
            "document": {
                "file_id": f"document-{len(self.messages) + 1}",
                "file_unique_id": "d",
                "file_name": document.filename,
                "file_size": len(document.content),
            },
            **self._displayed(params, "caption", MAX_CAPTION),
        }
        return self._new_message(chat_id, content, params.get("reply_markup"))

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        content = self._displayed(params, "text", MAX_TEXT)
        markup = params.get("reply_markup")
        if content.get("text") == message.get("text") and markup == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        message.pop("entities", None)
        message.pop("reply_markup", None)
        message.update(content, edit_date=message["date"] + 1)
        if markup:
            message["reply_markup"] = markup
        return message

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        markup = params.get("reply_markup")
        if markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query is too old or query ID is invalid")
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        key = (str(scope["type"]), str(params.get("language_code") or ""))
        self.commands[key] = list(params.get("commands") or [])
        return True

    async def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        self.commands.pop((str(scope["type"]), str(params.get("language_code") or "")), None)
        return True
