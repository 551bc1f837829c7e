"""The Viber channel: webhook callbacks to the conversation core, replies back to Viber.

What each callback does:

- ``webhook`` (Viber checking the URL during ``set_webhook``), ``delivered``, ``seen``:
  answered 200, nothing else.
- ``conversation_started``: the user opened the chat, maybe from a deep link
  ``viber://pa?chatURI=<uri>&context=<payload>``. The core handles ``/start <context>``
  and its replies are answered, merged, as the one welcome message in the response body:
  Viber delivers nothing else to a user who has not subscribed.
- ``message``: text, a button's reply or a shared contact (see ``incoming``) goes to
  the core; the replies are sent with ``send_message`` (see ``delivery``).
- ``subscribed`` / ``unsubscribed``: the account is marked reachable / unreachable.
- ``failed``: logged; when Viber says the user is unsubscribed or blocked us, the account
  is marked unreachable. So is it when a send is refused with status 6.

Every ``conversation_started`` and ``message`` carries Viber's ``message_token``, which is
the core's event id: a re-delivered callback is recognised in the database and answered
200 without a second effect or reply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from urllib.parse import quote

import aiohttp
from aiohttp import web

from bot.channels.base import ChannelStartError, PushOutcome, PushResult
from bot.channels.viber.callbacks import (
    Callback,
    ConversationStarted,
    Failed,
    MessageReceived,
    Subscribed,
    Unsubscribed,
)
from bot.channels.viber.client import RetryPolicy, ViberClient
from bot.channels.viber.delivery import Delivery, deliver
from bot.channels.viber.errors import (
    ViberApiError,
    ViberAuthError,
    ViberError,
    ViberRequestTooLarge,
)
from bot.channels.viber.incoming import event_body
from bot.channels.viber.models import MAX_BROADCAST_RECEIVERS, JsonObject, TextMessage
from bot.channels.viber.render import messages_for, welcome_for
from bot.channels.viber.webhook import ViberWebhook
from bot.settings import Settings
from bot.web.attachments import attachment_url
from civic.identity import attachment_key
from handlers.core import ConversationCore
from handlers.events import Command, IncomingEvent, Sender
from handlers.replies import Document, Reply
from storage.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

CHANNEL = "viber"
WEBHOOK_PATH = "/webhooks/viber"
# The optional callbacks we ask for ("message" and "webhook" always come).
WEBHOOK_EVENT_TYPES = (
    "delivered",
    "seen",
    "failed",
    "subscribed",
    "unsubscribed",
    "conversation_started",
)
# Words in a ``failed`` callback's description that mean the user cannot be written to.
# (Not a bare "blocked": "public account blocked" is about us, not the user.)
_UNREACHABLE_HINTS = (
    "unsubscribed",
    "not subscribed",
    "notsubscribed",
    "user blocked",
    "blocked by the user",
    "blocked by user",
)
_HTTP_TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)


def share_link_for(uri: str) -> Callable[[str], str]:
    """Deep links into our public account: ``viber://pa?chatURI=<uri>&context=<payload>``."""

    def link(payload: str) -> str:
        return f"viber://pa?chatURI={quote(uri, safe='')}&context={quote(payload, safe='')}"

    return link


class ViberChannel:
    name = CHANNEL

    def __init__(
        self, settings: Settings, core: ConversationCore, *, retry: RetryPolicy | None = None
    ) -> None:
        if settings.viber_token is None:
            raise ValueError("the Viber channel needs VZ_VIBER_TOKEN")
        self.core = core
        self._token = settings.viber_token.get_secret_value()
        self._api_url = settings.viber_api_url
        self._public_url = settings.public_url.rstrip("/") if settings.public_url else None
        self._sender_name = settings.viber_name
        secret = settings.secret_key.get_secret_value() if settings.secret_key else None
        self._attachment_key = attachment_key(secret) if secret else None
        self._retry = retry
        self._session: aiohttp.ClientSession | None = None
        self._client: ViberClient | None = None

    @property
    def webhook_url(self) -> str | None:
        return f"{self._public_url}{WEBHOOK_PATH}" if self._public_url else None

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(WEBHOOK_PATH, ViberWebhook(self._token, self.handle_callback).handle)

    def client(self) -> ViberClient:
        """The API client; made on first use (callbacks may come before ``start`` ends)."""
        if self._client is None:
            self._session = aiohttp.ClientSession(timeout=_HTTP_TIMEOUT)
            self._client = ViberClient(
                self._api_url,
                self._token,
                self._session,
                sender_name=self._sender_name,
                retry=self._retry,
            )
        return self._client

    async def start(self) -> None:
        """Check the token, set the share links and register the webhook."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        client = self.client()
        try:
            account = await client.get_account_info()
        except ViberAuthError as error:
            raise ChannelStartError(
                f"VZ_VIBER_TOKEN is rejected by Viber: {error.status_message}"
            ) from None
        except ViberApiError as error:
            raise ChannelStartError(
                f"VZ_VIBER_TOKEN: Viber refuses the account: {error.status_message}"
            ) from None
        except ViberError as error:
            raise ChannelStartError(
                f"VZ_VIBER_API_URL: Viber's API at {self._api_url} does not answer ({error})"
            ) from None
        if account.uri:
            self.core.share_links[CHANNEL] = share_link_for(account.uri)
        else:
            log.warning("viber: the account has no URI; share links cannot open it")
        url = self.webhook_url
        if url is None:
            log.warning(
                "viber: VZ_PUBLIC_URL is not set, so no webhook is registered and Viber "
                "cannot reach this server"
            )
            return
        try:
            await client.set_webhook(url, WEBHOOK_EVENT_TYPES)
        except ViberApiError as error:
            raise ChannelStartError(
                f"VZ_PUBLIC_URL: Viber refuses the webhook {url}: {error.status_message}"
            ) from None
        except ViberError as error:
            raise ChannelStartError(
                f"VZ_VIBER_API_URL: Viber's API at {self._api_url} does not answer ({error})"
            ) from None
        log.info("viber: account %r, webhook %s", account.name, url)

    async def stop(self) -> None:
        session, self._session, self._client = self._session, None, None
        if session is not None:
            await session.close()

    async def handle_callback(self, callback: Callback) -> JsonObject | None:
        """One verified callback; the welcome message's JSON for ``conversation_started``."""
        if isinstance(callback, ConversationStarted):
            return await self._conversation_started(callback)
        if isinstance(callback, MessageReceived):
            await self._message(callback)
        elif isinstance(callback, Subscribed):
            await self.core.set_reachable(CHANNEL, callback.user.id, True)
        elif isinstance(callback, Unsubscribed):
            await self.core.set_reachable(CHANNEL, callback.user_id, False)
        elif isinstance(callback, Failed):
            await self._failed(callback)
        return None

    async def _conversation_started(self, callback: ConversationStarted) -> JsonObject | None:
        user = callback.user
        event = IncomingEvent(
            Sender(CHANNEL, user.id, user.language),
            Command("start", callback.context or ""),
            event_id=str(callback.message_token),
        )
        replies = await self.core.handle(event)
        try:
            welcome = welcome_for(replies, self._sender_name)
        except ViberError:
            log.exception("viber: the welcome for %s cannot be sent", user.id)
            return None
        return welcome.as_json(self._sender_name) if welcome is not None else None

    async def _message(self, callback: MessageReceived) -> None:
        sender = callback.sender
        event = IncomingEvent(
            Sender(CHANNEL, sender.id, sender.language),
            event_body(callback.message),
            event_id=str(callback.message_token),
        )
        replies = await self.core.handle(event)
        if not replies:
            return
        try:
            per_reply = [
                messages_for(reply, self._sender_name, self._document_link) for reply in replies
            ]
        except ViberError:
            log.exception("viber: the replies to %s cannot be sent", sender.id)
            return
        for index, messages in enumerate(per_reply):
            outcome = await deliver(self.client(), sender.id, messages)
            if outcome is Delivery.UNSUBSCRIBED:
                await self._mark_unreachable(sender.id)
                return
            if outcome is Delivery.FAILED:
                # Not lost: the worker sends the rest when Viber takes it again.
                await self.core.keep_undelivered(CHANNEL, sender.id, replies[index:])
                return

    def _document_link(self, document: Document) -> str:
        """The signed download link of an answer's file (Viber takes links, not uploads)."""
        if self._attachment_key is None or self._public_url is None:
            return "—"
        return attachment_url(self._public_url, self._attachment_key, document.attachment_id)

    async def push(
        self, external_id: str, replies: Sequence[Reply], *, broadcast: bool = False
    ) -> PushResult:
        """A message we start (a notice). Viber delivers only to subscribed users."""
        try:
            messages = [
                message
                for reply in replies
                for message in messages_for(reply, self._sender_name, self._document_link)
            ]
        except ViberError:
            log.exception("viber: a notice to %s cannot be rendered", external_id)
            return PushOutcome.FAILED
        outcome = await deliver(self.client(), external_id, messages)
        return {
            Delivery.SENT: PushOutcome.DELIVERED,
            Delivery.UNSUBSCRIBED: PushOutcome.UNREACHABLE,
            Delivery.FAILED: PushOutcome.FAILED,
        }[outcome]

    async def push_many(
        self, external_ids: Sequence[str], replies: Sequence[Reply]
    ) -> dict[str, PushResult]:
        """One broadcast's message to many subscribers, with ``broadcast_message`` calls of
        at most 300 receivers (fewer if the request would pass 30 KB). A message in several
        parts goes part after part to those who got the previous one."""
        try:
            messages = [
                message
                for reply in replies
                for message in messages_for(reply, self._sender_name, self._document_link)
                if message.text
            ]
        except ViberError:
            log.exception("viber: a broadcast to %d users cannot be rendered", len(external_ids))
            return dict.fromkeys(external_ids, PushOutcome.FAILED)
        results: dict[str, PushResult] = {}
        for message in messages:
            receivers = [user for user in external_ids if user not in results]
            for start in range(0, len(receivers), MAX_BROADCAST_RECEIVERS):
                chunk = receivers[start : start + MAX_BROADCAST_RECEIVERS]
                results.update(await self._broadcast(chunk, message))
        for user in external_ids:
            results.setdefault(user, PushOutcome.DELIVERED)
        return results

    async def _broadcast(
        self, receivers: Sequence[str], message: TextMessage
    ) -> dict[str, PushResult]:
        """Who of ``receivers`` did not get ``message`` (split in halves while too large)."""
        try:
            failures = await self.client().broadcast_message(
                receivers, message.text, message.keyboard, message.min_api_version
            )
        except ViberRequestTooLarge:
            if len(receivers) == 1:
                log.error("viber: a broadcast message is too large even for one receiver")
                return dict.fromkeys(receivers, PushOutcome.FAILED)
            half = len(receivers) // 2
            first = await self._broadcast(receivers[:half], message)
            return first | await self._broadcast(receivers[half:], message)
        except (ViberError, ValueError) as error:
            log.error("viber: a broadcast to %d users was not sent: %s", len(receivers), error)
            return dict.fromkeys(receivers, PushOutcome.FAILED)
        results: dict[str, PushResult] = {}
        for user, reason in failures.failed.items():
            log.warning("viber: a broadcast to %s failed: %s", user, reason)
            results[user] = PushOutcome.FAILED
        for user in failures.unreachable:
            results[user] = PushOutcome.UNREACHABLE
        return results

    async def _failed(self, callback: Failed) -> None:
        description = callback.desc.casefold()
        if any(hint in description for hint in _UNREACHABLE_HINTS):
            log.info("viber: delivery to %s failed (%s)", callback.user_id, callback.desc)
            await self.core.set_reachable(CHANNEL, callback.user_id, False)
        else:
            log.warning("viber: delivery to %s failed: %s", callback.user_id, callback.desc)

    async def _mark_unreachable(self, user_id: str) -> None:
        # The event is committed and answered: a database failure here must not turn
        # into a 503 (Viber's retry would be dropped as a repeat). The next send will
        # find the user unsubscribed again.
        try:
            await self.core.set_reachable(CHANNEL, user_id, False)
        except DatabaseUnavailable as error:
            log.error("viber: could not mark %s unreachable: %r", user_id, error)
