"""Draft acts uploaded as Markdown and as Word files (made in the test with python-docx)
become the expected numbered sections: the title heading apart, a section per top
heading with deeper headings, lists and tables in its text, a preamble of its own; and
what is not a draft is refused with its reason."""

from __future__ import annotations

import io

import pytest
from docx import Document

from civic.draft_sections import DraftProblem, DraftSection, read_draft

MARKDOWN = """# Проєкт рішення про благоустрій парків

Міська рада вирішила:

## Стаття 1. Загальні положення

Це рішення визначає порядок **благоустрою** парків.

### Терміни

- парк — озеленена територія;
- лавка — місце для відпочинку.

## Стаття 2. Фінансування

Кошти передбачаються у бюджеті громади.
"""

EXPECTED = [
    DraftSection("Міська рада вирішила:…", "Міська рада вирішила:"),
    DraftSection(
        "Стаття 1. Загальні положення",
        "Це рішення визначає порядок благоустрою парків.\n\nТерміни\n\n"
        "• парк — озеленена територія;\n\n• лавка — місце для відпочинку.",
    ),
    DraftSection("Стаття 2. Фінансування", "Кошти передбачаються у бюджеті громади."),
]


def _docx() -> bytes:
    """The same draft as a Word file, with a table in the second article."""
    document = Document()
    document.add_heading("Проєкт рішення про благоустрій парків", level=0)
    document.add_paragraph("Міська рада вирішила:")
    document.add_heading("Стаття 1. Загальні положення", level=1)
    document.add_paragraph("Це рішення визначає порядок благоустрою парків.")
    document.add_heading("Терміни", level=2)
    document.add_paragraph("• парк — озеленена територія;")
    document.add_paragraph("• лавка — місце для відпочинку.")
    document.add_heading("Стаття 2. Фінансування", level=1)
    document.add_paragraph("Кошти передбачаються у бюджеті громади.")
    table = document.add_table(rows=2, cols=2)
    for row, cells in enumerate((("Рік", "Сума"), ("2027", "1 000 000"))):
        for column, value in enumerate(cells):
            table.cell(row, column).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_markdown_becomes_sections_at_its_top_headings() -> None:
    """The single H1 is the title; each H2 a section; the H3 and the list stay in the
    text; the line before the first article is a preamble section."""
    draft = read_draft("draft.md", MARKDOWN.encode())
    assert draft.title == "Проєкт рішення про благоустрій парків"
    assert draft.sections == EXPECTED


def test_a_word_file_becomes_the_same_sections_with_its_table() -> None:
    """The "Title" style is the title; "Heading 1" starts sections; "Heading 2" stays in
    the text; a table becomes lines of cells."""
    draft = read_draft("Проєкт.DOCX", _docx())
    assert draft.title == "Проєкт рішення про благоустрій парків"
    assert [section.title for section in draft.sections] == [s.title for s in EXPECTED]
    assert draft.sections[:2] == EXPECTED[:2]
    assert draft.sections[2].text == (
        "Кошти передбачаються у бюджеті громади.\n\nРік | Сума\n\n2027 | 1 000 000"
    )


@pytest.mark.parametrize(
    ("filename", "content", "code"),
    [
        ("draft.md", "Лише текст без заголовків.".encode(), "no_sections"),
        ("draft.md", b"\xff\xfe\x00broken", "not_a_draft"),
        ("draft.docx", b"PK\x03\x04 not really a zip", "not_a_draft"),
        ("draft.docx", b"plain text named .docx", "not_a_draft"),
        ("draft.md", b"# A\n" * 10 + b"x" * (10 * 1024 * 1024), "too_large"),
        (
            "draft.md",
            "".join(f"## {n}\n\nТекст.\n\n" for n in range(301)).encode(),
            "too_many_sections",
        ),
    ],
)
def test_what_is_not_a_draft_is_refused(filename: str, content: bytes, code: str) -> None:
    """No headings, bytes that are not UTF-8, a broken or fake .docx, too large a file,
    more than 300 sections: each refused with its reason."""
    with pytest.raises(DraftProblem) as refused:
        read_draft(filename, content)
    assert refused.value.code == code
