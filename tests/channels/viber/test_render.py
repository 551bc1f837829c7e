"""Replies as Viber messages and keyboards; Viber messages as the core's events."""

from __future__ import annotations

import json

import pytest

from bot.channels.viber.callbacks import IncomingMessage, SharedContact
from bot.channels.viber.client import encode_request
from bot.channels.viber.incoming import event_body
from bot.channels.viber.models import MAX_REQUEST_BYTES, MAX_TEXT_CHARS
from bot.channels.viber.render import (
    PHONE_REQUEST_MARKER,
    messages_for,
    row_widths,
    split_text,
    welcome_for,
)
from handlers.events import ButtonPress, ContactShared, Text
from handlers.replies import Button, Image, Reply
from tests.fakes.viber_api import keyboard_problem, keyboard_rows, message_problem

NAME = "VzayemoDiia"


def _paragraphs(count: int, size: int) -> str:
    return "\n\n".join(f"{index:04d} " + "x" * (size - 5) for index in range(count))


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6])
def test_row_widths_fill_six_columns(count: int) -> None:
    """n buttons in a row share the six columns, no button narrower than another by two."""
    widths = row_widths(count)
    assert sum(widths) == 6
    assert len(widths) == count
    assert max(widths) - min(widths) <= 1


def test_keyboard_rows_sum_to_six_and_long_rows_wrap() -> None:
    """Every keyboard row's Columns sum to 6; a row of eight buttons wraps into two rows."""
    reply = Reply(
        "Pick",
        [
            [Button.raw("One", "a")],
            [Button.raw("Left", "b"), Button.raw("Right", "c")],
            [
                Button.raw("1", "d"),
                Button.raw("2", "e"),
                Button.raw("3", "f"),
                Button.raw("4", "g"),
            ],
            [Button.raw(str(n), f"n:{n}") for n in range(8)],
        ],
    )
    (message,) = messages_for(reply, NAME)
    assert message.keyboard is not None
    keyboard = message.keyboard.as_json()
    assert keyboard["Type"] == "keyboard"
    assert keyboard["DefaultHeight"] is False
    rows = keyboard_rows(keyboard)
    assert [len(row) for row in rows] == [1, 2, 4, 6, 2]
    assert all(sum(button["Columns"] for button in row) == 6 for row in rows)
    assert keyboard_problem(keyboard, None) is None


def test_buttons_reply_with_prefixed_payload_and_escaped_label() -> None:
    """A silent button replies "vz:" + payload; markup in its label is escaped, not rendered."""
    reply = Reply("Pick", [[Button.raw("<b>Bold</b> & co", "pv:7")]])
    (message,) = messages_for(reply, NAME)
    assert message.keyboard is not None
    (button,) = message.keyboard.buttons
    assert button.as_json() == {
        "Columns": 6,
        "Rows": 1,
        "ActionType": "reply",
        "ActionBody": "vz:pv:7",
        "Text": "&lt;b&gt;Bold&lt;/b&gt; &amp; co",
        "Silent": True,
    }


def test_text_is_sent_as_is() -> None:
    """Message text is plain in Viber: nothing is escaped or marked up."""
    (message,) = messages_for(Reply("Tom & <Jerry> *x*"), NAME)
    assert message.text == "Tom & <Jerry> *x*"
    assert message.keyboard is None
    assert message.tracking_data is None


def test_phone_request_has_share_phone_button_api_level_and_marker() -> None:
    """Asking for the phone adds a share-phone button, min_api_version 3 and our marker."""
    reply = Reply("Confirm", [[Button.raw("Cancel", "cancel")]], request_phone="📱 Share")
    (message,) = messages_for(reply, NAME)
    payload = message.as_json(NAME, receiver="u1")
    assert payload["min_api_version"] == 3
    assert payload["tracking_data"] == PHONE_REQUEST_MARKER
    assert message.keyboard is not None
    share, cancel = message.keyboard.buttons
    assert (share.action_type, share.text, share.columns) == ("share-phone", "📱 Share", 6)
    assert (cancel.action_type, cancel.action_body) == ("reply", "vz:cancel")
    assert message_problem(payload) is None


def test_long_text_splits_at_paragraphs_with_keyboard_last() -> None:
    """Text over 7000 characters is split at paragraph breaks; only the last part has buttons."""
    text = _paragraphs(30, 500)  # 15,058 characters
    reply = Reply(text, [[Button.raw("Menu", "menu")]])
    messages = messages_for(reply, NAME)
    assert len(messages) == 3
    assert all(len(m.text) <= MAX_TEXT_CHARS for m in messages)
    assert "\n\n".join(m.text for m in messages) == text
    assert all(m.text.startswith("00") for m in messages)  # each part starts a paragraph
    assert [m.keyboard is not None for m in messages] == [False, False, True]


def test_long_cyrillic_text_respects_the_30kb_request_limit() -> None:
    """Two-byte letters split by bytes too, so every request stays under 30 KB."""
    text = ("Слава громаді. " * 2000).strip()  # 29,999 characters, ~55 KB
    messages = messages_for(Reply(text, [[Button.raw("Меню", "menu")]]), NAME)
    for message in messages:
        size = len(encode_request(message.as_json(NAME, receiver="x" * 40)))
        assert size <= MAX_REQUEST_BYTES
        assert len(message.text) <= MAX_TEXT_CHARS
    assert " ".join(m.text for m in messages) == text


def test_split_text_falls_back_to_lines_words_and_hard_cuts() -> None:
    """Without paragraph breaks the cut is at a line, then a word, then anywhere."""
    assert split_text("aaaa\nbbbb", 6, 1000) == ["aaaa", "bbbb"]
    assert split_text("aaaa bbbb", 6, 1000) == ["aaaa", "bbbb"]
    assert split_text("abcdefghij", 4, 1000) == ["abcd", "efgh", "ij"]
    assert split_text("short", 7000, 30_000) == ["short"]
    assert split_text("", 7000, 30_000) == [""]


def test_image_is_sent_as_its_text_alternative() -> None:
    """Viber needs a public URL for pictures; the image's alt text goes with the text."""
    (message,) = messages_for(Reply("Chart:", image=Image(b"png", "12 of 300 signatures")), NAME)
    assert message.text == "Chart:\n\n12 of 300 signatures"


def test_welcome_merges_replies_with_last_keyboard() -> None:
    """The replies to conversation_started become one message: texts joined, last keyboard."""
    welcome = welcome_for(
        [
            Reply("First", [[Button.raw("Old", "old")]]),
            Reply("Second", [[Button.raw("New", "new")]]),
        ],
        NAME,
    )
    assert welcome is not None
    payload = welcome.as_json(NAME)
    assert "receiver" not in payload
    assert payload["text"] == "First\n\nSecond"
    assert payload["sender"] == {"name": NAME}
    assert welcome.keyboard is not None
    assert [b.action_body for b in welcome.keyboard.buttons] == ["vz:new"]
    assert welcome_for([], NAME) is None


def test_over_long_welcome_is_cut_with_an_ellipsis() -> None:
    """A welcome longer than one message keeps its keyboard and ends with an ellipsis."""
    welcome = welcome_for([Reply(_paragraphs(20, 500), [[Button.raw("Menu", "menu")]])], NAME)
    assert welcome is not None
    assert len(welcome.text) <= MAX_TEXT_CHARS
    assert welcome.text.endswith("…")
    assert welcome.keyboard is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vz:ps:12", ButtonPress("ps:12")),
        ("vz:menu", ButtonPress("menu")),
        ("Petitions", Text("Petitions")),
        ("vz:", Text("vz:")),
        ("vz:" + "x" * 65, Text("vz:" + "x" * 65)),
        ("/start petition_5", Text("/start petition_5")),
    ],
)
def test_text_messages_become_button_presses_or_text(text: str, expected: object) -> None:
    """A "vz:" text is a button press when the rest is a payload; anything else is text."""
    assert event_body(IncomingMessage(type="text", text=text)) == expected


def test_contact_counts_as_own_only_with_our_marker() -> None:
    """A contact is the sender's own only when it answers our phone request (tracking data)."""
    contact = SharedContact(name="Olena", phone_number="+380501234567")
    answered = IncomingMessage(type="contact", contact=contact, tracking_data=PHONE_REQUEST_MARKER)
    forwarded = IncomingMessage(type="contact", contact=contact)
    assert event_body(answered) == ContactShared("+380501234567", is_own=True)
    assert event_body(forwarded) == ContactShared("+380501234567", is_own=False)
    assert "380" not in repr(contact)


def test_other_message_types_are_text() -> None:
    """A sticker or picture without caption reaches the core as empty text (it answers)."""
    assert event_body(IncomingMessage(type="sticker")) == Text("")
    assert event_body(IncomingMessage(type="picture", text="look")) == Text("look")


def test_sender_name_and_json_shape_of_a_sent_message() -> None:
    """A sent message names the receiver and the sender and is plain JSON."""
    (message,) = messages_for(Reply("Hi"), NAME)
    payload = message.as_json(NAME, receiver="01234567890A=")
    assert json.loads(encode_request(payload)) == {
        "receiver": "01234567890A=",
        "sender": {"name": NAME},
        "type": "text",
        "text": "Hi",
    }
