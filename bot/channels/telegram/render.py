"""The core's replies as Bot API calls: pure, no I/O.

Choices made here, and why:

- Text goes out with ``parse_mode=HTML`` and is HTML-escaped as a whole. Our texts are
  plain, and they quote what citizens typed (petition titles, search words): escaping
  makes ``<b>`` or ``<script>`` in them arrive as those characters, never as markup, while
  leaving the channel free to add its own formatting later.
- Telegram allows one ``reply_markup`` per message. A reply with buttons *and* a request
  for the phone number goes out as its text with the inline buttons, then a second short
  message (the request's own label, e.g. "📱 Share my phone number") carrying the reply
  keyboard with the ``request_contact`` button. The label needs no extra translation and
  the explanation keeps its Cancel button where it belongs.
- After the citizen shared a contact, the first message of the answer removes that reply
  keyboard (``ReplyKeyboardRemove``). Should every message of the answer carry inline
  buttons, the first is sent with the removal and gets its inline keyboard by
  ``editMessageReplyMarkup`` right after (``Step.inline_after``).
- ``replaces_origin`` on the first reply to a button press edits the pressed message
  (pagination) when the reply is one plain text; ``Step.fallback`` is sent instead when
  the message cannot be edited.
- Texts longer than 4,096 characters are split on paragraph boundaries ("\\n\\n"), else
  on line breaks, else on spaces, else hard; the buttons go on the last part. Lengths are
  counted in UTF-16 code units, as Telegram counts, so emoji never push a part over.
- An image goes out as a photo whose caption is its text alternative (at most 1,024
  characters; the rest follows as text).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, replace

from aiogram.enums import ParseMode
from aiogram.methods import EditMessageText, SendDocument, SendMessage, SendPhoto
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from handlers.replies import Button, Document, Image, Reply

MAX_TEXT = 4096
MAX_CAPTION = 1024
PARSE_MODE = ParseMode.HTML
# Where a long text may be cut, best first; a hard cut when none fits.
BOUNDARIES = ("\n\n", "\n", " ")

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True, slots=True)
class Step:
    """One Bot API call, with what to do when it cannot be done as planned."""

    call: SendMessage | SendPhoto | SendDocument | EditMessageText
    # For an edit: the message to send instead when the original cannot be edited.
    fallback: SendMessage | None = None
    # An inline keyboard to add to the sent message (it went out removing a reply keyboard).
    inline_after: InlineKeyboardMarkup | None = None


def paid(step: Step) -> Step:
    """The step sent as a paid broadcast (``allow_paid_broadcast``): above the free 30
    messages a second, for 0.1 Star each."""
    if isinstance(step.call, EditMessageText):
        return step
    return replace(step, call=step.call.model_copy(update={"allow_paid_broadcast": True}))


def telegram_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji may count two)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_once(text: str, limit: int) -> tuple[str, str]:
    """The first part of ``text`` that fits ``limit`` (cut at the best boundary) and the rest."""
    if telegram_length(text) <= limit:
        return text, ""
    window = text[: _fitting_prefix(text, limit)]
    for boundary in BOUNDARIES:
        cut = window.rfind(boundary)
        head = text[:cut].rstrip() if cut > 0 else ""
        if head:
            return head, text[cut + len(boundary) :].lstrip("\n")
    return window, text[len(window) :]


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, none empty."""
    parts: list[str] = []
    rest = text.strip()
    while rest:
        head, rest = split_once(rest, limit)
        parts.append(head)
    return parts


def escape(text: str) -> str:
    """Text for ``parse_mode=HTML`` that shows exactly as written."""
    return html.escape(text, quote=False)


def inline_keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """One callback button per ``Button``, rows as given; None when there are none."""
    keyboard = [
        [InlineKeyboardButton(text=button.label, callback_data=button.payload) for button in row]
        for row in rows
        if row
    ]
    return InlineKeyboardMarkup(inline_keyboard=keyboard) if keyboard else None


def contact_keyboard(label: str) -> ReplyKeyboardMarkup:
    """A reply keyboard with the one "share my phone number" button."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=label, request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


@dataclass(slots=True)
class _Draft:
    """A message to be, before it becomes a Bot API call."""

    text: str
    photo: Image | None = None
    document: Document | None = None
    markup: Markup | None = None
    inline_after: InlineKeyboardMarkup | None = None
    edit_message_id: int | None = None


def _drafts(reply: Reply, edit_message_id: int | None) -> list[_Draft]:
    drafts = [_Draft(part) for part in split_text(reply.text)]
    if reply.image is not None:
        caption, rest = split_once(reply.image.alt_text.strip(), MAX_CAPTION)
        drafts.append(_Draft(caption, photo=reply.image))
        drafts += [_Draft(part) for part in split_text(rest)]
    inline = inline_keyboard(reply.buttons)
    if inline is not None and drafts:
        drafts[-1].markup = inline
    if reply.request_phone:
        drafts.append(_Draft(reply.request_phone, markup=contact_keyboard(reply.request_phone)))
    # Files follow the text they belong to; its buttons stay on the text.
    drafts += [_Draft("", document=document) for document in reply.documents]
    # Only one plain text (with or without inline buttons) can replace the pressed message.
    if (
        edit_message_id is not None
        and len(drafts) == 1
        and drafts[0].photo is None
        and drafts[0].document is None
        and not isinstance(drafts[0].markup, ReplyKeyboardMarkup)
    ):
        drafts[0].edit_message_id = edit_message_id
    return drafts


def _remove_contact_keyboard(drafts: list[_Draft]) -> None:
    """Let the first sent message take the contact keyboard away (see the module notes)."""
    if any(isinstance(draft.markup, ReplyKeyboardMarkup) for draft in drafts):
        return  # the answer asks for the phone again: the keyboard stays
    sent = [draft for draft in drafts if draft.edit_message_id is None]
    for draft in sent:
        if draft.markup is None:
            draft.markup = ReplyKeyboardRemove(remove_keyboard=True)
            return
    if sent:
        first = sent[0]
        assert isinstance(first.markup, InlineKeyboardMarkup)
        first.inline_after, first.markup = first.markup, ReplyKeyboardRemove(remove_keyboard=True)


def _step(chat_id: int, draft: _Draft) -> Step:
    text = escape(draft.text)
    if draft.document is not None:
        upload = BufferedInputFile(draft.document.content, filename=draft.document.filename)
        return Step(SendDocument(chat_id=chat_id, document=upload))
    if draft.photo is not None:
        photo = BufferedInputFile(draft.photo.png, filename=draft.photo.filename)
        call: SendMessage | SendPhoto | EditMessageText = SendPhoto(
            chat_id=chat_id,
            photo=photo,
            caption=text or None,
            parse_mode=PARSE_MODE,
            reply_markup=draft.markup,
        )
        return Step(call, inline_after=draft.inline_after)
    send = SendMessage(chat_id=chat_id, text=text, parse_mode=PARSE_MODE, reply_markup=draft.markup)
    if draft.edit_message_id is not None:
        assert draft.markup is None or isinstance(draft.markup, InlineKeyboardMarkup)
        edit = EditMessageText(
            chat_id=chat_id,
            message_id=draft.edit_message_id,
            text=text,
            parse_mode=PARSE_MODE,
            reply_markup=draft.markup,
        )
        return Step(edit, fallback=send)
    return Step(send, inline_after=draft.inline_after)


def render(
    replies: Sequence[Reply],
    *,
    chat_id: int,
    origin_message_id: int | None = None,
    remove_contact_keyboard: bool = False,
) -> list[Step]:
    """The calls that show ``replies`` in the chat ``chat_id``.

    ``origin_message_id``: the message whose button was pressed, which the first reply
    may replace. ``remove_contact_keyboard``: the citizen has just shared a contact.
    """
    drafts: list[_Draft] = []
    for index, reply in enumerate(replies):
        editable = origin_message_id if index == 0 and reply.replaces_origin else None
        drafts += _drafts(reply, editable)
    if remove_contact_keyboard:
        _remove_contact_keyboard(drafts)
    return [_step(chat_id, draft) for draft in drafts]
