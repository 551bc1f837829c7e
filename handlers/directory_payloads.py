"""The directory of authorities' buttons."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.payloads import Id, Index, Payload
from storage.models import AuthorityLevel


@dataclass(frozen=True)
class Directory(Payload, prefix="ad"):
    pass


@dataclass(frozen=True)
class BrowseLevel(Payload, prefix="adl"):
    level: AuthorityLevel


@dataclass(frozen=True)
class BrowseRegion(Payload, prefix="adr"):
    level: AuthorityLevel
    # The region's place in the sorted list of the level's regions: a name may not fit.
    index: Index


@dataclass(frozen=True)
class OpenAuthority(Payload, prefix="ao"):
    authority_id: Id


@dataclass(frozen=True)
class ShareAuthority(Payload, prefix="ash"):
    authority_id: Id
