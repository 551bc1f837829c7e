"""Translation and locale-aware formatting for one reply's language."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from locales.catalog import translations


class Texts:
    """``_`` and ``ngettext`` (extracted by Babel) plus numbers and dates in one locale."""

    def __init__(self, locale: str, zone: ZoneInfo) -> None:
        self.locale = locale
        self.zone = zone
        self._translations = translations(locale)
        # Parsed once: Babel parses a locale name on every call that is given one.
        self._babel = Locale.parse(locale)

    def _(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self._babel)

    def date(self, value: datetime | date) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, format="long", locale=self._babel)

    def datetime(self, value: datetime) -> str:
        return format_datetime(value.astimezone(self.zone), format="medium", locale=self._babel)
