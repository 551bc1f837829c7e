"""Viber's JSON ``status`` codes and the typed errors our client raises for them.

Viber answers HTTP 200 for nearly everything and puts the outcome in the body's
``status`` (0 is success). The codes below are those of Viber's REST bot API.
"""

from __future__ import annotations

from enum import IntEnum


class ViberStatus(IntEnum):
    OK = 0
    INVALID_URL = 1
    INVALID_AUTH_TOKEN = 2
    BAD_DATA = 3
    MISSING_DATA = 4
    RECEIVER_NOT_REGISTERED = 5
    RECEIVER_NOT_SUBSCRIBED = 6
    PUBLIC_ACCOUNT_BLOCKED = 7
    PUBLIC_ACCOUNT_NOT_FOUND = 8
    PUBLIC_ACCOUNT_SUSPENDED = 9
    WEBHOOK_NOT_SET = 10
    RECEIVER_NO_SUITABLE_DEVICE = 11
    TOO_MANY_REQUESTS = 12
    API_VERSION_NOT_SUPPORTED = 13
    INCOMPATIBLE_WITH_VERSION = 14


class ViberError(Exception):
    """Anything that kept a Viber API call from succeeding."""


class ViberApiError(ViberError):
    """Viber answered with a non-zero ``status``."""

    def __init__(self, method: str, status: int, status_message: str) -> None:
        super().__init__(f"{method}: status {status} ({status_message})")
        self.method = method
        self.status = status
        self.status_message = status_message


class ViberAuthError(ViberApiError):
    """Status 2: the token (``VZ_VIBER_TOKEN``) is not valid."""


class ReceiverNotSubscribed(ViberApiError):
    """Status 6 (not subscribed) or 5 (not a Viber user): we cannot write to them now.

    The account is marked unreachable; it becomes reachable again when the user
    subscribes or writes to us.
    """


class ViberRateLimited(ViberApiError):
    """Status 12: too many requests; retried with backoff, raised when retries run out."""


class ViberUnavailable(ViberError):
    """No usable answer: connection failure, HTTP 5xx, a body that is not Viber's JSON."""


class ViberRequestTooLarge(ViberError):
    """The request would exceed Viber's 30 KB limit; it is not sent."""


def error_for(method: str, status: int, status_message: str) -> ViberApiError:
    """The typed error for a non-zero status."""
    kind: type[ViberApiError]
    if status == ViberStatus.INVALID_AUTH_TOKEN:
        kind = ViberAuthError
    elif status in (ViberStatus.RECEIVER_NOT_SUBSCRIBED, ViberStatus.RECEIVER_NOT_REGISTERED):
        kind = ReceiverNotSubscribed
    elif status == ViberStatus.TOO_MANY_REQUESTS:
        kind = ViberRateLimited
    else:
        kind = ViberApiError
    return kind(method, status, status_message)
