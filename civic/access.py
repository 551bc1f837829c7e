"""What an official may see and do: the one place the admin web asks, for every page and
every action, on the server.

An id in a URL or a form is untrusted: a rule here is asked with the object's authority,
read from the database, never with what the browser sent.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from storage.official_models import Official, OfficialRole


class Permission(enum.StrEnum):
    VIEW = "view"  # read pages and exports (everyone signed in)
    MODERATE_PETITIONS = "moderate_petitions"  # publish or reject
    ANSWER_PETITIONS = "answer_petitions"  # record the authority's answer
    HANDLE_REQUESTS = "handle_requests"  # answer, clarify, extend, refuse
    MANAGE_DIRECTORY = "manage_directory"  # authorities and their contacts
    MANAGE_CALENDAR = "manage_calendar"  # working-day overrides
    MANAGE_ACCOUNTS = "manage_accounts"  # officials' accounts and sessions
    SEND_BROADCASTS = "send_broadcasts"  # announcements to citizens, and cancelling them
    MANAGE_ORGANISATIONS = "manage_organisations"  # the stakeholder base
    RUN_ELECTIONS = "run_elections"  # council elections: create, nominate, count
    RUN_POLLS = "run_polls"  # e-polls: create, edit before opening, close, release
    RUN_CONSULTATIONS = "run_consultations"  # e-consultations: publish, outcomes, report
    MODERATE_COMMENTS = "moderate_comments"  # consultation comments: hide or publish


ROLE_PERMISSIONS: dict[OfficialRole, frozenset[Permission]] = {
    OfficialRole.ADMINISTRATOR: frozenset(Permission),
    OfficialRole.MODERATOR: frozenset(
        {Permission.VIEW, Permission.MODERATE_PETITIONS, Permission.MODERATE_COMMENTS}
    ),
    OfficialRole.OFFICIAL: frozenset(
        {
            Permission.VIEW,
            Permission.ANSWER_PETITIONS,
            Permission.HANDLE_REQUESTS,
            Permission.RUN_POLLS,
            Permission.RUN_CONSULTATIONS,
        }
    ),
    OfficialRole.ANALYST: frozenset({Permission.VIEW}),
}


@dataclass(frozen=True)
class Access:
    """A signed-in official as the rules see them."""

    official_id: int
    email: str
    role: OfficialRole
    # None: every authority. An ``official`` account: the authorities bound to it.
    authority_ids: frozenset[int] | None

    @classmethod
    def of(cls, official: Official) -> Access:
        bound = (
            frozenset(link.authority_id for link in official.authorities)
            if official.role is OfficialRole.OFFICIAL
            else None
        )
        return cls(official.id, official.email, official.role, bound)

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def sees_authority(self, authority_id: int) -> bool:
        return self.authority_ids is None or authority_id in self.authority_ids

    def may(self, permission: Permission, authority_id: int | None = None) -> bool:
        """The permission, and (for an object of an authority) that authority in scope."""
        if not self.can(permission):
            return False
        return authority_id is None or self.sees_authority(authority_id)


class AccessDenied(Exception):
    """The official may not see or do this (the web answers 403, or 404 for an object
    outside their authorities, so an id's existence is not confirmed either)."""

    def __init__(self, *, hide: bool = False) -> None:
        super().__init__("hidden" if hide else "forbidden")
        self.hide = hide
