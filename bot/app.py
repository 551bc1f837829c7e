"""Building the pieces from settings: database, conversation core, secret key."""

from __future__ import annotations

import secrets
from pathlib import Path

from bot.modules import Modules, product_modules
from bot.settings import Settings, SettingsError
from civic.clock import Clock, SystemClock
from civic.identity import phone_key
from handlers.context import CoreConfig
from handlers.core import ConversationCore
from storage.db import Database, is_sqlite

DEMO_SECRET_FILE = Path("var") / "secret_key"


def embedded_secret_key() -> str:
    """The demo's own secret key, made once and kept in ``./var/`` (mode 0600).

    Kept rather than made anew at each start, so phone fingerprints stay comparable.
    """
    if DEMO_SECRET_FILE.exists():
        return DEMO_SECRET_FILE.read_text().strip()
    DEMO_SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    DEMO_SECRET_FILE.touch(mode=0o600)
    DEMO_SECRET_FILE.write_text(key + "\n")
    return key


def secret_key_for_local_use(settings: Settings) -> str:
    """``VZ_SECRET_KEY`` when set; on the embedded SQLite default, the demo's own key."""
    if settings.secret_key is not None:
        return settings.require_secret_key()
    if is_sqlite(settings.database_url):
        return embedded_secret_key()
    raise SettingsError(
        "VZ_SECRET_KEY is not set: it is required with a PostgreSQL database "
        "(it keys the phone-number hashes shared by every process)"
    )


def build_core(
    settings: Settings,
    database: Database,
    secret_key: str,
    clock: Clock | None = None,
    modules: Modules | None = None,
) -> ConversationCore:
    """The conversation core over ``modules`` (the product's by default)."""
    modules = modules or product_modules()
    config = CoreConfig(
        default_locale=settings.default_locale,
        zone=settings.zone,
        verified_actions=settings.verified_actions,
        phone_key=phone_key(secret_key),
        merge_steps=tuple(modules.merge_steps),
    )
    return ConversationCore(database, config, clock or SystemClock(), modules.chat_routes)
