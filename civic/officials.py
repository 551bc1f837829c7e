"""Officials' accounts: creation, role and authorities, passwords (Argon2), the TOTP
second factor and its recovery codes, and what an administrator may do to others'
accounts (never leaving the platform without an administrator).

What an official may see and do is ``civic.access``; their sessions and the login
throttle are ``civic.official_sessions``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Authority
from storage.official_models import (
    Official,
    OfficialAuthority,
    OfficialRole,
    OfficialSession,
    RecoveryCode,
)

PASSWORD_MIN, PASSWORD_MAX = 12, 200
# Generated passwords: four groups of five characters from 31 that are hard to misread
# (no 0/o, 1/l/i), about 99 bits, to be read out or typed from a note.
GENERATED_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GENERATED_GROUPS, GENERATED_GROUP_LENGTH = 4, 5
TOTP_STEP_SECONDS = 30
RECOVERY_CODES = 10
TOTP_ISSUER = "VzayemoDiia"
# Argon2id with the library's defaults (RFC 9106's second recommended option).
_HASHER = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong e-mail costs the same time as a
# wrong password and does not tell which accounts exist.
_DUMMY_HASH = _HASHER.hash("no account has this password")


class OfficialError(Exception):
    """A refused change to an account; ``code`` names why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def normal_email(email: str) -> str:
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or len(email) > 254 or " " in email:
        raise OfficialError("bad_email")
    return email


def digest(secret: str) -> str:
    """SHA-256 hex of a long random secret (session token, recovery code)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def check_password(password: str) -> str:
    """Length is what makes a password strong (NIST SP 800-63B): 12 to 200 characters,
    taken exactly as typed."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise OfficialError("weak_password")
    return password


def generated_password() -> str:
    """A new random password (``secrets``) for an account an administrator creates or
    resets; the caller shows it once and keeps only its hash."""
    groups = (
        "".join(secrets.choice(GENERATED_ALPHABET) for _ in range(GENERATED_GROUP_LENGTH))
        for _ in range(GENERATED_GROUPS)
    )
    return check_password("-".join(groups))


def snapshot(official: Official) -> dict[str, object]:
    """What the audit log keeps of an account before and after a change: never its
    password, secret or codes."""
    return {
        "email": official.email,
        "role": official.role.value,
        "authorities": sorted(link.authority_id for link in official.authorities),
        "totp": official.totp_confirmed_at is not None,
    }


def verify_password(official: Official | None, password: str) -> bool:
    """True when the password is the account's; same cost whether or not it exists."""
    try:
        return _HASHER.verify(official.password_hash if official else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False


def _recovery_code() -> str:
    # 10 characters of base32 (50 bits), shown in two groups to be copied by hand.
    raw = pyotp.random_base32()[:10]
    return f"{raw[:5]}-{raw[5:]}"


def _normal_code(code: str) -> str:
    return code.strip().upper().replace(" ", "").replace("-", "")


@dataclass(frozen=True)
class Enrolment:
    """A second factor being set up: the secret and the URI an authenticator app reads."""

    secret: str
    uri: str


class Officials:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_email(self, email: str) -> Official | None:
        try:
            email = normal_email(email)
        except OfficialError:
            return None
        return await self.session.scalar(select(Official).where(Official.email == email))

    async def get(self, official_id: int) -> Official | None:
        return await self.session.get(Official, official_id)

    async def all(self) -> Sequence[Official]:
        return (await self.session.scalars(select(Official).order_by(Official.email))).all()

    async def _binding(self, role: OfficialRole, authority_ids: Iterable[int]) -> list[int]:
        """The authorities the role is bound to, checked: an official needs at least one,
        other roles none, and each must exist."""
        bound = sorted(set(authority_ids))
        if role is OfficialRole.OFFICIAL and not bound:
            raise OfficialError("official_needs_authority")
        if role is not OfficialRole.OFFICIAL and bound:
            raise OfficialError("only_officials_have_authorities")
        if bound:
            known = set(
                await self.session.scalars(select(Authority.id).where(Authority.id.in_(bound)))
            )
            if missing := [a for a in bound if a not in known]:
                raise OfficialError(f"unknown_authority:{missing[0]}")
        return bound

    async def create(
        self,
        email: str,
        role: OfficialRole,
        authority_ids: Iterable[int],
        password: str,
        now: datetime,
    ) -> Official:
        """A new account; an e-mail that already has one is refused (``email_taken``)."""
        email = normal_email(email)
        if await self.by_email(email) is not None:
            raise OfficialError("email_taken")
        bound = await self._binding(role, authority_ids)
        official = Official(
            email=email,
            role=role,
            password_hash=_HASHER.hash(check_password(password)),
            created_at=now,
            password_changed_at=now,
            authorities=[OfficialAuthority(authority_id=a) for a in bound],
        )
        self.session.add(official)
        try:
            await self.session.flush()
        except IntegrityError as error:
            # The unique e-mail: the same address created a moment ago by someone else.
            # The transaction is spoilt and ends with this error, writing nothing.
            raise OfficialError("email_taken") from error
        return official

    async def put(
        self,
        email: str,
        role: OfficialRole,
        authority_ids: Iterable[int],
        password: str,
        now: datetime,
    ) -> tuple[Official, bool]:
        """Create the account, or for a known e-mail replace its role, authorities and
        password (which signs every session out). Returns the account and whether it is
        new."""
        email = normal_email(email)
        official = await self.by_email(email)
        if official is None:
            return await self.create(email, role, authority_ids, password, now), True
        bound = await self._binding(role, authority_ids)
        official.role = role
        official.password_hash = _HASHER.hash(check_password(password))
        official.password_changed_at = now
        await revoke_all(self.session, official.id, now)
        official.authorities = [OfficialAuthority(authority_id=a) for a in bound]
        await self.session.flush()
        return official, False

    # --- an administrator's changes to an account ---------------------------------

    async def change_access(
        self,
        official: Official,
        role: OfficialRole,
        authority_ids: Iterable[int],
        now: datetime,
    ) -> bool:
        """A new role and authorities, checked as for a new account. When the rights
        shrink (the role changes, or an authority is taken away) every session of the
        account ends, so it signs in again with the new rights; returns whether they
        did. The last administrator cannot be given another role."""
        bound = await self._binding(role, authority_ids)
        if official.role is OfficialRole.ADMINISTRATOR and role is not OfficialRole.ADMINISTRATOR:
            await self._keep_an_administrator(official)
        had = {link.authority_id for link in official.authorities}
        shrinks = role is not official.role or not had <= set(bound)
        official.role = role
        official.authorities = [
            *(link for link in official.authorities if link.authority_id in bound),
            *(OfficialAuthority(authority_id=a) for a in bound if a not in had),
        ]
        if shrinks:
            await revoke_all(self.session, official.id, now)
        await self.session.flush()
        return shrinks

    async def _keep_an_administrator(self, official: Official) -> None:
        """Refuse (``last_administrator``) unless another administrator remains. The
        administrators' rows are locked in one order (PostgreSQL), so two demoting each
        other at once cannot both pass; SQLite's writers take turns anyway."""
        administrators = await self.session.scalars(
            select(Official.id)
            .where(Official.role == OfficialRole.ADMINISTRATOR)
            .order_by(Official.id)
            .with_for_update()
        )
        if not [a for a in administrators.all() if a != official.id]:
            raise OfficialError("last_administrator")

    async def reset_password(self, official: Official, now: datetime, *, by: int) -> str:
        """A generated password replaces the account's (every session ends); returned to
        be shown once. ``by`` is the administrator's own account: their own password is
        changed on their own page, knowing the current one (``own_account``)."""
        if official.id == by:
            raise OfficialError("own_account")
        password = generated_password()
        official.password_hash = _HASHER.hash(password)
        official.password_changed_at = now
        await revoke_all(self.session, official.id, now)
        return password

    async def reset_second_factor(self, official: Official, now: datetime, *, by: int) -> None:
        """The TOTP secret and the recovery codes are cleared, so the person sets the
        second factor up again (an administrator is made to at the next sign-in); every
        session ends. Not on the administrator's own account (``own_account``)."""
        if official.id == by:
            raise OfficialError("own_account")
        official.totp_secret = None
        official.totp_confirmed_at = None
        official.totp_last_step = None
        await self.session.execute(
            delete(RecoveryCode).where(RecoveryCode.official_id == official.id)
        )
        await revoke_all(self.session, official.id, now)

    async def change_password(
        self, official: Official, current: str, new: str, now: datetime
    ) -> None:
        if not verify_password(official, current):
            raise OfficialError("wrong_password")
        official.password_hash = _HASHER.hash(check_password(new))
        official.password_changed_at = now
        await revoke_all(self.session, official.id, now)

    # --- the second factor ----------------------------------------------------------

    def start_enrolment(self, official: Official) -> Enrolment:
        """A fresh secret, kept on the account but not in force until confirmed."""
        official.totp_secret = pyotp.random_base32()
        official.totp_confirmed_at = None
        return enrolment_of(official)

    async def confirm_enrolment(self, official: Official, code: str, now: datetime) -> list[str]:
        """The first code from the app puts the factor in force; returns new recovery
        codes, shown once."""
        step = _totp_step(official.totp_secret, code, now) if official.totp_secret else None
        if step is None:
            raise OfficialError("wrong_code")
        official.totp_confirmed_at = now
        official.totp_last_step = step
        return await self.new_recovery_codes(official)

    async def new_recovery_codes(self, official: Official) -> list[str]:
        codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
        await self.session.execute(
            delete(RecoveryCode).where(RecoveryCode.official_id == official.id)
        )
        self.session.add_all(
            RecoveryCode(official_id=official.id, code_hash=digest(_normal_code(code)))
            for code in codes
        )
        await self.session.flush()
        return codes

    async def second_factor_matches(self, official: Official, code: str, now: datetime) -> bool:
        """A current TOTP code, or an unused recovery code (which is then used up)."""
        if official.totp_secret is None or official.totp_confirmed_at is None:
            return False
        step = _totp_step(official.totp_secret, code, now)
        # A code works once: replaying one seen over a shoulder within its 30 s fails.
        if step is not None and step > (official.totp_last_step or 0):
            official.totp_last_step = step
            return True
        used = await self.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.official_id == official.id,
                RecoveryCode.code_hash == digest(_normal_code(code)),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=now)
        )
        return bool(getattr(used, "rowcount", 0))

    async def recovery_codes_left(self, official: Official) -> int:
        codes = await self.session.scalars(
            select(RecoveryCode.code_hash).where(
                RecoveryCode.official_id == official.id, RecoveryCode.used_at.is_(None)
            )
        )
        return len(codes.all())


def _totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is (this one or one either side, so a phone's clock
    a little off still works), or None."""
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_STEP_SECONDS)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def enrolment_of(official: Official) -> Enrolment:
    """The account's pending (or current) secret and the URI an authenticator app reads."""
    secret = official.totp_secret or ""
    uri = pyotp.TOTP(secret).provisioning_uri(name=official.email, issuer_name=TOTP_ISSUER)
    return Enrolment(secret, uri)


async def revoke_all(session: AsyncSession, official_id: int, now: datetime) -> None:
    """Every session of the account ends (a password change or reset, a replaced
    account, rights taken away)."""
    await session.execute(
        update(OfficialSession)
        .where(OfficialSession.official_id == official_id, OfficialSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def second_factor_required(official: Official) -> bool:
    """Administrators must have one; anyone who enrolled uses theirs."""
    return official.role is OfficialRole.ADMINISTRATOR or official.totp_confirmed_at is not None


def new_token() -> str:
    return secrets.token_urlsafe(32)
