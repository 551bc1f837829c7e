"""The notification settings' buttons; the stop button travels under every broadcast."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.payloads import Index, Payload


@dataclass(frozen=True)
class NotificationSettings(Payload, prefix="ns"):
    pass


@dataclass(frozen=True)
class SetAnnouncements(Payload, prefix="na"):
    on: bool


@dataclass(frozen=True)
class SetQuietHours(Payload, prefix="nq"):
    on: bool


@dataclass(frozen=True)
class SetDigest(Payload, prefix="nd"):
    on: bool


@dataclass(frozen=True)
class TopicChoices(Payload, prefix="nt"):
    pass


@dataclass(frozen=True)
class ToggleTopic(Payload, prefix="ntt"):
    index: Index  # into civic.preferences.TOPICS


@dataclass(frozen=True)
class RegionChoices(Payload, prefix="nr"):
    pass


@dataclass(frozen=True)
class ChooseRegion(Payload, prefix="nrc"):
    index: Index  # into the directory's regions at the time; 0 for none
