"""Sending the core's replies to one Viber user, in order, and saying how it went.

The event that produced the replies is already committed when they are sent, so a send
failure never fails the webhook (Viber's retry would be dropped as a repeat anyway): it
is logged, and an unsubscribed receiver is reported so the account is marked
unreachable. The remaining messages of a failed delivery are not sent: out of order or
without their keyboard they would mislead.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence

from bot.channels.viber.client import ViberClient
from bot.channels.viber.errors import ReceiverNotSubscribed, ViberError
from bot.channels.viber.models import TextMessage

log = logging.getLogger(__name__)


class Delivery(enum.Enum):
    SENT = "sent"
    UNSUBSCRIBED = "unsubscribed"
    FAILED = "failed"


async def deliver(client: ViberClient, receiver: str, messages: Sequence[TextMessage]) -> Delivery:
    for message in messages:
        if not message.text:
            log.warning("viber: skipping a reply without text to %s", receiver)
            continue
        try:
            await client.send_message(
                receiver,
                message.text,
                keyboard=message.keyboard,
                tracking_data=message.tracking_data,
                min_api_version=message.min_api_version,
            )
        except ReceiverNotSubscribed:
            log.info("viber: %s is not subscribed; marking the account unreachable", receiver)
            return Delivery.UNSUBSCRIBED
        except (ViberError, ValueError) as error:
            log.error("viber: a reply to %s was not sent: %s", receiver, error)
            return Delivery.FAILED
    return Delivery.SENT
