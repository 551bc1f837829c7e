"""The welcome text and /help are made from the modules: every module says what it is for,
and every listed command is named, in the citizen's language."""

from __future__ import annotations

import pytest

from handlers.core import ConversationCore
from tests.personas import Persona

WELCOME = {
    "en": [
        "Welcome to VzayemoDiia! Here you can:",
        "• sign and create e-petitions",
        "• ask authorities for public information, with a legal deadline",
        "• find any authority's contacts and its petition rules",
    ],
    "uk": [
        "Вітаємо у ВзаємоДії! Тут ви можете:",
        "• підписувати та створювати електронні петиції",
        "• запитувати в органів влади публічну інформацію, з визначеним законом строком відповіді",
        "• знайти контакти будь-якого органу влади та правила петицій до нього",
    ],
}


@pytest.mark.parametrize("language", ["en", "uk"])
async def test_the_welcome_names_every_module(core: ConversationCore, language: str) -> None:
    """/start says, in the citizen's language, what each module lets them do."""
    persona = Persona(core, channel="console", user_id=f"w-{language}", language_code=language)
    await persona.say("/start")
    for line in WELCOME[language]:
        assert line in persona.last.text


async def test_help_lists_every_modules_commands(alice: Persona) -> None:
    """/help names each listed command with its description, in menu order."""
    await alice.say("/help")
    text = alice.last.text
    for line in (
        "/petitions: Open e-petitions",
        "/newpetition: Create an e-petition",
        "/request: Request public information",
        "/myrequests: My information requests",
        "/authorities: Directory of authorities",
        "/help: What I understand",
    ):
        assert line in text
    assert text.index("/petitions") < text.index("/request") < text.index("/help:")
