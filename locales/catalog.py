"""Loading the Babel catalogs: compiled ``.mo`` files when present, else the ``.po`` sources.

``make`` compiles the catalogs; an installed package without them still works because the
``.po`` files ship with it and are compiled in memory at start-up.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES_DIR = Path(__file__).resolve().parent
SUPPORTED_LOCALES = ("uk", "en")
DOMAIN = "messages"


def catalog_path(locale: str, suffix: str = ".po") -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


@cache
def translations(locale: str) -> Translations:
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    po_path, mo_path = catalog_path(locale), catalog_path(locale, ".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as compiled:
            return Translations(compiled, domain=DOMAIN)
    with po_path.open("rb") as source:
        catalog = read_po(source, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def pick_locale(language_code: str | None, default: str) -> str:
    """The platform's language when we support it, else the deployment's default."""
    if language_code:
        primary = language_code.replace("_", "-").split("-", 1)[0].lower()
        if primary in SUPPORTED_LOCALES:
            return primary
    return default
