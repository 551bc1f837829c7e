"""``vzayemodiia create-admin EMAIL --role ROLE [--authority ID]...``: an official's
account; for a known e-mail, its role, authorities and password are replaced (and its
sessions end). The password is read from standard input when that is not a terminal,
otherwise asked for twice without echo."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from datetime import datetime

from bot.command_support import CommandRefused, open_database
from bot.settings import Settings
from civic.audit import Actor, record
from civic.clock import SystemClock
from civic.officials import PASSWORD_MAX, PASSWORD_MIN, OfficialError, Officials
from storage.db import Database
from storage.official_models import OfficialRole

REFUSALS = {
    "bad_email": "that is not an e-mail address",
    "weak_password": f"the password must have {PASSWORD_MIN} to {PASSWORD_MAX} characters",
    "official_needs_authority": "an official needs at least one --authority",
    "only_officials_have_authorities": "only the official role is bound to authorities",
}


def add_admin_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    create = commands.add_parser(
        "create-admin", help="create an official's account, or replace its role and password"
    )
    create.add_argument("email", metavar="EMAIL")
    create.add_argument("--role", required=True, choices=[role.value for role in OfficialRole])
    create.add_argument(
        "--authority",
        type=int,
        action="append",
        default=[],
        metavar="ID",
        help="an authority an official acts for (repeat for several)",
    )


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise CommandRefused("the two passwords differ")
    return first


async def run_create_admin(settings: Settings, args: argparse.Namespace) -> int:
    password = _read_password()
    database = await open_database(settings)
    now = SystemClock().now()
    try:
        async with database.transaction() as session:
            official, created = await Officials(session).put(
                args.email, OfficialRole(args.role), args.authority, password, now
            )
            record(
                session,
                Actor(None, "command line"),
                action="create_official" if created else "replace_official",
                object_type="official",
                object_id=official.id,
                now=now,
                after={
                    "email": official.email,
                    "role": official.role,
                    "authorities": sorted(args.authority),
                },
            )
            email, role = official.email, official.role.value
    except OfficialError as error:
        code, _, detail = error.code.partition(":")
        reason = REFUSALS.get(code) or f"no authority has id {detail}"
        raise CommandRefused(reason) from None
    finally:
        await database.dispose()
    print(f"{'Created' if created else 'Replaced'} {email} ({role}).")
    return 0


DEMO_LOGIN = "moderator@demo.vzayemodiia.invalid"


async def demo_login(database: Database, now: datetime) -> tuple[str, str]:
    """The demo's moderator account, with a fresh password each time the demo starts (a
    moderator needs no second factor, so the demo opens without an authenticator app)."""
    password = secrets.token_urlsafe(12)
    async with database.transaction() as session:
        await Officials(session).put(DEMO_LOGIN, OfficialRole.MODERATOR, (), password, now)
    return DEMO_LOGIN, password
