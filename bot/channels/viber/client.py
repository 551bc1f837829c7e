"""Our own thin async client of Viber's REST bot API, on aiohttp.

Viber's official Python SDK is synchronous and unmaintained, so we speak the few calls we
need ourselves: ``set_webhook``, ``get_account_info`` and ``send_message``. Every call is
a POST of JSON to ``<base_url>/<method>`` with the ``X-Viber-Auth-Token`` header; Viber
answers HTTP 200 with a JSON ``status`` whose non-zero values become typed errors (see
``errors``).

Retries are bounded, with exponential backoff, and only where Viber most likely did not
act on the request: the connection could not be made, HTTP 5xx, or status 12 (too many
requests). A timeout or a dropped connection after sending is retried only for the calls
that are safe to repeat (not ``send_message`` or ``broadcast_message``: a second copy of
a message is worse than a logged failure).

Limits are checked before anything is sent: the sender's name (28 characters), the text
(7000 characters), ``tracking_data`` (4000 characters) and the whole request (30 KB). A
request over a limit raises instead of being cut silently; the renderer splits texts so
that this does not happen.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
from pydantic import ValidationError

from bot.channels.viber.errors import (
    ViberApiError,
    ViberRateLimited,
    ViberRequestTooLarge,
    ViberStatus,
    ViberUnavailable,
    error_for,
)
from bot.channels.viber.models import (
    MAX_BROADCAST_RECEIVERS,
    MAX_REQUEST_BYTES,
    MAX_SENDER_NAME_CHARS,
    MAX_TEXT_CHARS,
    MAX_TRACKING_DATA_CHARS,
    AccountInfo,
    ApiResponse,
    BroadcastResponse,
    JsonObject,
    Keyboard,
    SendMessageResponse,
    SetWebhookResponse,
    TextMessage,
)

log = logging.getLogger(__name__)

AUTH_HEADER = "X-Viber-Auth-Token"
DEFAULT_BASE_URL = "https://chatapi.viber.com/pa"

Answer = TypeVar("Answer", bound=ApiResponse)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """At most ``attempts`` tries; waits ``first_delay``, doubling, capped at ``max_delay``."""

    attempts: int = 4
    first_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, retry_number: int) -> float:
        return float(min(self.max_delay, self.first_delay * 2**retry_number))


def encode_request(payload: JsonObject) -> bytes:
    """The JSON bytes we send (UTF-8, compact): what Viber's 30 KB limit counts."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


# A receiver that Viber reports with one of these statuses cannot be written to now.
_UNREACHABLE_STATUSES = (ViberStatus.RECEIVER_NOT_SUBSCRIBED, ViberStatus.RECEIVER_NOT_REGISTERED)


@dataclass(frozen=True, slots=True)
class BroadcastFailures:
    """The receivers of one ``broadcast_message`` that did not get it, each with Viber's
    reason: ``unreachable`` are unsubscribed or not Viber users (status 6 or 5), ``failed``
    anything else. Everyone else in the call got the message."""

    unreachable: dict[str, str]
    failed: dict[str, str]


class _Retry(Exception):
    """Internal: this attempt failed in a way worth another try."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class ViberClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        session: aiohttp.ClientSession,
        *,
        sender_name: str = "VzayemoDiia",
        retry: RetryPolicy | None = None,
    ) -> None:
        if not 1 <= len(sender_name) <= MAX_SENDER_NAME_CHARS:
            raise ValueError(f"sender name must be 1..{MAX_SENDER_NAME_CHARS} characters")
        self.base_url = base_url.rstrip("/")
        self.sender_name = sender_name
        self._token = token
        self._session = session
        self._retry = retry or RetryPolicy()

    async def set_webhook(self, url: str, event_types: Sequence[str]) -> SetWebhookResponse:
        """Register ``url`` for callbacks; Viber calls it back before it answers."""
        payload: JsonObject = {"url": url, "event_types": list(event_types), "send_name": True}
        return await self._call("set_webhook", payload, SetWebhookResponse, idempotent=True)

    async def remove_webhook(self) -> None:
        await self._call("set_webhook", {"url": ""}, ApiResponse, idempotent=True)

    async def get_account_info(self) -> AccountInfo:
        return await self._call("get_account_info", {}, AccountInfo, idempotent=True)

    async def send_message(
        self,
        receiver: str,
        text: str,
        keyboard: Keyboard | None = None,
        tracking_data: str | None = None,
        min_api_version: int | None = None,
    ) -> str:
        """Send one text message; returns Viber's message token."""
        message = TextMessage(text, keyboard, tracking_data, min_api_version)
        check_message(message)
        payload = message.as_json(self.sender_name, receiver=receiver)
        answer = await self._call("send_message", payload, SendMessageResponse, idempotent=False)
        return answer.token

    async def broadcast_message(
        self,
        receivers: Sequence[str],
        text: str,
        keyboard: Keyboard | None = None,
        min_api_version: int | None = None,
    ) -> BroadcastFailures:
        """Send one text message to up to 300 subscribers in one call; who did not get it.

        Raises as ``send_message`` does when the whole call is refused."""
        if not 1 <= len(receivers) <= MAX_BROADCAST_RECEIVERS:
            raise ValueError(
                f"broadcast_message takes 1..{MAX_BROADCAST_RECEIVERS} receivers, "
                f"not {len(receivers)}"
            )
        message = TextMessage(text, keyboard, None, min_api_version)
        check_message(message)
        payload = message.as_json(self.sender_name)
        payload["broadcast_list"] = list(receivers)
        answer = await self._call("broadcast_message", payload, BroadcastResponse, idempotent=False)
        unreachable: dict[str, str] = {}
        failed: dict[str, str] = {}
        for failure in answer.failed_list:
            reason = f"status {failure.status} ({failure.status_message})"
            if failure.status in _UNREACHABLE_STATUSES:
                unreachable[failure.receiver] = reason
            else:
                failed[failure.receiver] = reason
        return BroadcastFailures(unreachable, failed)

    async def _call(
        self, method: str, payload: JsonObject, answer: type[Answer], *, idempotent: bool
    ) -> Answer:
        body = encode_request(payload)
        if len(body) > MAX_REQUEST_BYTES:
            raise ViberRequestTooLarge(
                f"{method}: request of {len(body)} bytes exceeds Viber's {MAX_REQUEST_BYTES}"
            )
        last: Exception | None = None
        for attempt in range(self._retry.attempts):
            if attempt:
                delay = self._retry.delay(attempt - 1)
                log.warning("viber %s failed (%s); retry %d in %.1fs", method, last, attempt, delay)
                await asyncio.sleep(delay)
            try:
                return await self._attempt(method, body, answer, idempotent=idempotent)
            except _Retry as retry:
                last = retry.error
        assert last is not None
        raise last

    async def _attempt(
        self, method: str, body: bytes, answer: type[Answer], *, idempotent: bool
    ) -> Answer:
        headers = {AUTH_HEADER: self._token, "Content-Type": "application/json; charset=utf-8"}
        try:
            async with self._session.post(
                f"{self.base_url}/{method}", data=body, headers=headers
            ) as response:
                if response.status >= 500:
                    raise _Retry(ViberUnavailable(f"{method}: HTTP {response.status}"))
                if response.status != 200:
                    raise ViberUnavailable(f"{method}: HTTP {response.status}")
                raw = await response.read()
        except aiohttp.ClientConnectorError as error:
            # Nothing reached Viber: always safe to try again.
            raise _Retry(ViberUnavailable(f"{method}: cannot connect ({error})")) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            unavailable = ViberUnavailable(f"{method}: {type(error).__name__} {error}".strip())
            if idempotent:
                raise _Retry(unavailable) from error
            raise unavailable from error
        return _parse(method, raw, answer)


def _parse(method: str, raw: bytes, answer: type[Answer]) -> Answer:
    try:
        data = json.loads(raw)
        status = ApiResponse.model_validate(data)
    except (ValueError, ValidationError) as error:
        raise ViberUnavailable(f"{method}: the answer is not Viber's JSON") from error
    if status.status != ViberStatus.OK:
        failure: ViberApiError = error_for(method, status.status, status.status_message)
        if isinstance(failure, ViberRateLimited):
            raise _Retry(failure)
        raise failure
    try:
        return answer.model_validate(data)
    except ValidationError as error:
        problems = error.error_count()
        raise ViberUnavailable(f"{method}: unexpected answer ({problems} errors)") from error


def check_message(message: TextMessage) -> None:
    """Refuse a message Viber would refuse: empty or over-long text, over-long tracking data."""
    if not message.text:
        raise ValueError("a Viber text message needs text")
    if len(message.text) > MAX_TEXT_CHARS:
        raise ValueError(f"text of {len(message.text)} characters exceeds {MAX_TEXT_CHARS}")
    if message.tracking_data is not None and len(message.tracking_data) > MAX_TRACKING_DATA_CHARS:
        raise ValueError(f"tracking_data exceeds {MAX_TRACKING_DATA_CHARS} characters")
