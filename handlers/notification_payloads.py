"""The notification settings' buttons; the stop button travels under every broadcast."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.payloads import Payload


@dataclass(frozen=True)
class NotificationSettings(Payload, prefix="ns"):
    pass


@dataclass(frozen=True)
class SetAnnouncements(Payload, prefix="na"):
    on: bool


@dataclass(frozen=True)
class SetQuietHours(Payload, prefix="nq"):
    on: bool
