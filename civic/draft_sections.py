"""A draft act as uploaded (Markdown or a Word ``.docx`` file) split into numbered
sections at its headings.

The rule, the same for both formats:

- a heading alone at its level before any other heading (``# Закон про …`` above
  ``## Стаття 1``…) is the draft's title, not a section;
- the shallowest level among the other headings starts the sections: each such heading
  is a section's title, and everything up to the next one (deeper headings included, as
  text lines) is its text;
- text before the first section (a preamble) is a section of its own, titled with its
  first words.

Markdown is read with markdown-it-py (CommonMark), Word files with python-docx (heading
styles "Heading 1"…"Heading 9" and "Title"; tables as lines of cells). The text keeps
paragraphs apart by a blank line and list items as "• item".
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from markdown_it import MarkdownIt
from markdown_it.token import Token

from civic.text import clean_text

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SECTIONS = 300
MAX_TITLE_CHARS = 300
PREAMBLE_TITLE_WORDS = 8
_HEADING_STYLE = re.compile(r"Heading (\d)")


class DraftProblem(Exception):
    """Why a draft cannot be read: ``too_large``, ``not_a_draft`` (not Markdown text or
    a .docx), ``no_sections`` or ``too_many_sections``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class DraftSection:
    title: str
    text: str


@dataclass(frozen=True)
class Draft:
    title: str | None
    sections: list[DraftSection]


# A block of the document: a heading (its level) or text (level None).
Block = tuple[int | None, str]


def read_draft(filename: str, content: bytes) -> Draft:
    """The sections of an uploaded draft, by its name's extension (``.docx``, else
    Markdown)."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise DraftProblem("too_large")
    if filename.lower().endswith(".docx"):
        return split(_docx_blocks(content))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DraftProblem("not_a_draft") from error
    return split(markdown_blocks(text))


def markdown_blocks(text: str) -> list[Block]:
    tokens = MarkdownIt("commonmark").parse(text)
    blocks: list[Block] = []
    heading: int | None = None
    in_list_item = False
    for token in tokens:
        if token.type == "heading_open":
            heading = int(token.tag[1])
        elif token.type == "heading_close":
            heading = None
        elif token.type == "list_item_open":
            in_list_item = True
        elif token.type == "list_item_close":
            in_list_item = False
        elif token.type == "inline":
            words = _inline_text(token.children or [])
            if heading is not None:
                blocks.append((heading, words))
            else:
                blocks.append((None, ("• " + words) if in_list_item else words))
        elif token.type in {"fence", "code_block"}:
            blocks.append((None, token.content.rstrip("\n")))
    return blocks


def _inline_text(children: Sequence[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append("\n")
    return "".join(parts)


def _docx_blocks(content: bytes) -> list[Block]:
    try:
        document = Document(io.BytesIO(content))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise DraftProblem("not_a_draft") from error
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            style = item.style.name if item.style is not None else ""
            level = 0 if style == "Title" else _heading_level(style or "")
            blocks.append((level, item.text))
        elif isinstance(item, Table):
            for row in item.rows:
                blocks.append((None, " | ".join(cell.text.strip() for cell in row.cells)))
    return blocks


def _heading_level(style: str) -> int | None:
    found = _HEADING_STYLE.fullmatch(style)
    return int(found.group(1)) if found else None


def split(blocks: list[Block]) -> Draft:
    """The sections of a document's blocks, by the rule in the module's notes."""
    blocks = [(level, clean_text(text)) for level, text in blocks if clean_text(text)]
    levels = [level for level, _text in blocks if level is not None]
    title = None
    if levels and blocks[0][0] is not None and levels.count(levels[0]) == 1 and len(levels) > 1:
        title = blocks[0][1][:MAX_TITLE_CHARS]
        blocks = blocks[1:]
        levels = levels[1:]
    if not levels:
        raise DraftProblem("no_sections")
    top = min(levels)
    sections: list[DraftSection] = []
    current_title: str | None = None
    lines: list[str] = []

    def close() -> None:
        text = "\n\n".join(lines).strip()
        if current_title is not None:
            sections.append(DraftSection(current_title, text))
        elif text:
            words = text.split()
            sections.append(DraftSection(" ".join(words[:PREAMBLE_TITLE_WORDS]) + "…", text))

    for level, text in blocks:
        if level == top:
            close()
            current_title, lines = text[:MAX_TITLE_CHARS], []
        else:
            lines.append(text)
    close()
    if len(sections) > MAX_SECTIONS:
        raise DraftProblem("too_many_sections")
    return Draft(title, sections)
