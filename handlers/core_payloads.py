"""The buttons every conversation has: main menu, cancel, language, phone confirmation."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from handlers.payloads import Payload
from locales.catalog import SUPPORTED_LOCALES


class Language(enum.StrEnum):
    UK = "uk"
    EN = "en"


assert tuple(Language) == SUPPORTED_LOCALES, "one Language per supported locale"


@dataclass(frozen=True)
class MainMenu(Payload, prefix="menu"):
    pass


@dataclass(frozen=True)
class Cancel(Payload, prefix="cancel"):
    pass


@dataclass(frozen=True)
class LanguageChoices(Payload, prefix="langs"):
    pass


@dataclass(frozen=True)
class ChooseLanguage(Payload, prefix="lang"):
    language: Language


@dataclass(frozen=True)
class ConfirmPhone(Payload, prefix="phone"):
    pass
