"""The commands a messenger lists in its command menu, with their localized descriptions.

Channels that have a command menu (Telegram's ``setMyCommands``) publish this list once per
language; the commands themselves are handled by the routers (common, petitions, profile).
"""

from __future__ import annotations

from handlers.texts import Texts


def command_descriptions(t: Texts) -> list[tuple[str, str]]:
    """(command without the slash, short description) in the order the menu shows them."""
    return [
        ("start", t._("Start: welcome and the main menu")),
        ("menu", t._("Main menu")),
        ("petitions", t._("Open e-petitions")),
        ("profile", t._("My profile, petitions and signatures")),
        ("language", t._("Change the language")),
        ("cancel", t._("Stop what you are doing")),
        ("help", t._("What I understand")),
    ]
