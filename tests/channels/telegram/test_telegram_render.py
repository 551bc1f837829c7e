"""Replies as Bot API calls: splitting, escaping, keyboards, edits, photos (no server needed)."""

from __future__ import annotations

import pytest
from aiogram.methods import EditMessageText, SendMessage, SendPhoto
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.channels.telegram.render import (
    MAX_CAPTION,
    MAX_TEXT,
    render,
    split_text,
    telegram_length,
)
from handlers.replies import Button, Image, Reply

MENU = [[Button.raw("📜 Petitions", "pl:new:0")], [Button.raw("👤 My profile", "me")]]


def test_split_prefers_paragraph_boundaries() -> None:
    """5,000 characters in paragraphs split into two parts between paragraphs."""
    paragraphs = [f"{n:02d} " + "a" * 496 for n in range(10)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 5000

    parts = split_text(text)

    assert len(parts) == 2
    assert all(len(part) <= MAX_TEXT for part in parts)
    assert parts[0].endswith("a")
    assert parts[1].startswith("08 ")
    assert "\n\n".join(parts) == text


def test_split_falls_back_to_lines_then_spaces_then_hard() -> None:
    """Without paragraphs it cuts at a line break, then at a space, then anywhere."""
    lines = "\n".join("b" * 99 for _ in range(50))  # 100 characters a line with its break
    assert [len(part) for part in split_text(lines)] == [40 * 100 - 1, 10 * 100 - 1]

    words = " ".join("c" * 9 for _ in range(500))
    parts = split_text(words)
    assert all(len(part) <= MAX_TEXT for part in parts)
    assert " ".join(parts) == words

    solid = "d" * 9000
    assert [len(part) for part in split_text(solid)] == [4096, 4096, 808]


def test_split_counts_emoji_as_telegram_does() -> None:
    """An emoji outside the BMP counts two UTF-16 units; no part exceeds 4,096 units."""
    text = "🇺🇦" * 3000
    parts = split_text(text)
    assert all(telegram_length(part) <= MAX_TEXT for part in parts)
    assert "".join(parts) == text


def test_short_and_empty_texts() -> None:
    """A short text is one part; blank text is no part at all."""
    assert split_text("Hello") == ["Hello"]
    assert split_text("  \n ") == []


def test_text_is_escaped_for_html() -> None:
    """User text with HTML is escaped; parse_mode is HTML."""
    (step,) = render([Reply("Title: <b>x</b> & <script>")], chat_id=7)
    assert isinstance(step.call, SendMessage)
    assert step.call.text == "Title: &lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;"
    assert step.call.parse_mode == "HTML"


def test_buttons_become_one_inline_keyboard_on_the_last_part() -> None:
    """Rows stay rows, callback_data is the payload, and only the last part carries them."""
    steps = render([Reply("x" * 5000, MENU)], chat_id=7)
    assert [type(step.call) for step in steps] == [SendMessage, SendMessage]
    assert steps[0].call.reply_markup is None
    markup = steps[1].call.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [
        ["pl:new:0"],
        ["me"],
    ]


def test_request_phone_is_a_second_message_with_the_contact_keyboard() -> None:
    """Inline buttons stay on the text; the contact button comes in its own short message."""
    reply = Reply("Confirm", [[Button.raw("Cancel", "cancel")]], request_phone="📱 Share")
    text, request = render([reply], chat_id=7)
    assert isinstance(text.call.reply_markup, InlineKeyboardMarkup)
    assert isinstance(request.call, SendMessage)
    assert request.call.text == "📱 Share"
    keyboard = request.call.reply_markup
    assert isinstance(keyboard, ReplyKeyboardMarkup)
    assert keyboard.keyboard[0][0].request_contact is True
    assert keyboard.one_time_keyboard
    assert keyboard.resize_keyboard


def test_after_a_contact_the_first_plain_message_removes_the_keyboard() -> None:
    """The contact keyboard goes away with the first message that has no inline buttons."""
    steps = render(
        [Reply("Confirmed."), Reply("Counted.", MENU)], chat_id=7, remove_contact_keyboard=True
    )
    assert isinstance(steps[0].call.reply_markup, ReplyKeyboardRemove)
    assert isinstance(steps[1].call.reply_markup, InlineKeyboardMarkup)


def test_after_a_contact_buttons_are_added_once_the_keyboard_is_removed() -> None:
    """When every message has buttons, the first removes the keyboard and gets them by edit."""
    (step,) = render([Reply("Menu", MENU)], chat_id=7, remove_contact_keyboard=True)
    assert isinstance(step.call.reply_markup, ReplyKeyboardRemove)
    assert isinstance(step.inline_after, InlineKeyboardMarkup)


def test_asking_for_the_phone_again_keeps_the_keyboard() -> None:
    """An answer that asks for the phone again removes nothing."""
    reply = Reply("Not yours", [[Button.raw("Cancel", "cancel")]], request_phone="📱 Share")
    steps = render([reply], chat_id=7, remove_contact_keyboard=True)
    assert not any(isinstance(s.call.reply_markup, ReplyKeyboardRemove) for s in steps)


def test_replaces_origin_edits_the_pressed_message_with_a_fallback() -> None:
    """The first reply marked replaces_origin edits the origin; sending is the fallback."""
    steps = render(
        [Reply("Page 2", MENU, replaces_origin=True), Reply("More", replaces_origin=True)],
        chat_id=7,
        origin_message_id=41,
    )
    assert isinstance(steps[0].call, EditMessageText)
    assert steps[0].call.message_id == 41
    assert isinstance(steps[0].fallback, SendMessage)
    assert isinstance(steps[1].call, SendMessage), "only the first reply replaces the origin"


@pytest.mark.parametrize(
    "reply",
    [
        Reply("x" * 5000, replaces_origin=True),
        Reply("Ask", request_phone="📱 Share", replaces_origin=True),
        Reply("Chart", image=Image(b"png", "alt"), replaces_origin=True),
    ],
)
def test_what_cannot_replace_a_message_is_sent(reply: Reply) -> None:
    """Long, phone-asking or picture replies are sent anew, not edited in."""
    steps = render([reply], chat_id=7, origin_message_id=41)
    assert not any(isinstance(step.call, EditMessageText) for step in steps)


def test_an_image_is_a_photo_with_its_text_alternative_as_caption() -> None:
    """The caption is the alt text up to 1,024 characters; the rest follows as text."""
    alt = "Signatures per day. " * 80
    steps = render([Reply("Chart below", MENU, image=Image(b"\x89PNG", alt))], chat_id=7)
    kinds = [type(step.call) for step in steps]
    assert kinds == [SendMessage, SendPhoto, SendMessage]
    photo = steps[1].call
    assert isinstance(photo, SendPhoto)
    assert photo.caption is not None
    assert len(photo.caption) <= MAX_CAPTION
    assert isinstance(steps[2].call.reply_markup, InlineKeyboardMarkup)


@pytest.mark.parametrize(("jpeg", "filename"), [(False, "image.png"), (True, "image.jpg")])
def test_a_photo_is_uploaded_under_its_own_kind(jpeg: bool, filename: str) -> None:
    """A chart goes up as a PNG, a candidate's photo as a JPEG, each named for what it is
    (Telegram re-encodes either; the name tells what the bytes are)."""
    content = b"\xff\xd8\xff" if jpeg else b"\x89PNG"
    image = Image(content, "Anna Bila — candidate", jpeg=jpeg)
    (step,) = render([Reply("", image=image)], chat_id=7)
    assert isinstance(step.call, SendPhoto)
    upload = step.call.photo
    assert isinstance(upload, BufferedInputFile)
    assert upload.filename == filename
    assert upload.data == content
    assert step.call.caption == "Anna Bila — candidate"
