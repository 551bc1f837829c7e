"""CSV files of records, read the same way for every kind (authorities, organisations):
UTF-8 (a byte order mark accepted), commas, a header row naming the columns in any order;
every problem found with its line (the header is line 1) and, where there is one, its
column, as an English sentence marked for the catalogs so that the command line prints
it as it is and the admin web in the official's language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from civic.text import clean_text


def N_(message: str) -> str:
    """Marks a message for the catalogs (``make extract``) without translating it here."""
    return message


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One problem in the file: where it is (line, and column when there is one) and why."""

    line: int
    column: str | None
    # An English sentence with {named} fields, marked for the catalogs: the command line
    # prints it as it is, the admin web in the official's language.
    template: str
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template.format(**self.values)

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did; with any errors it did nothing (all counts are zero)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: tuple[RowProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def read_rows(
    data: bytes, columns: Sequence[str], required: Sequence[str]
) -> tuple[list[tuple[int, dict[str, str]]], list[RowProblem]]:
    """Each data row's line and cells by column name, and every problem of the file's
    shape (encoding, separators, header, row lengths); blank lines are skipped."""
    column_list = {"columns": ", ".join(columns)}
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return [], [RowProblem(line, None, N_("not UTF-8 text; save the file as CSV UTF-8"))]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        return [], [RowProblem(1, None, N_("malformed CSV ({detail})"), {"detail": error})]
    if header is None or not any(cell.strip() for cell in header):
        return [], [
            RowProblem(1, None, N_("the first line must name the columns: {columns}"), column_list)
        ]
    names = [cell.strip().lower() for cell in header]
    if len(names) == 1 and ";" in names[0]:
        # Spreadsheets in Ukrainian (and many other) locales save "CSV" with semicolons.
        return [], [RowProblem(1, None, N_("columns must be separated by commas, not semicolons"))]
    errors = _header_errors(names, columns, required)
    if errors:
        return [], errors

    rows: list[tuple[int, dict[str, str]]] = []
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader, None)
        except csv.Error as error:
            errors.append(RowProblem(line, None, N_("malformed CSV ({detail})"), {"detail": error}))
            break
        if cells is None:
            break
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(cells) != len(names):
            errors.append(
                RowProblem(
                    line,
                    None,
                    N_("has {values} values but the header names {columns} columns"),
                    {"values": len(cells), "columns": len(names)},
                )
            )
            continue
        rows.append((line, dict(zip(names, cells, strict=True))))
    return rows, errors


def _header_errors(
    names: Sequence[str], columns: Sequence[str], required: Sequence[str]
) -> list[RowProblem]:
    column_list = {"columns": ", ".join(columns)}
    errors = []
    seen: set[str] = set()
    for name in names:
        if name not in columns:
            template = (
                N_("unknown column {name}; the columns are: {columns}")
                if name
                else N_("a column has no name; the columns are: {columns}")
            )
            errors.append(RowProblem(1, None, template, {**column_list, "name": repr(name)}))
        elif name in seen:
            errors.append(
                RowProblem(1, None, N_("column {name} appears more than once"), {"name": name})
            )
        seen.add(name)
    missing = [name for name in required if name not in seen]
    if missing:
        errors.append(
            RowProblem(
                1, None, N_("missing required columns: {columns}"), {"columns": ", ".join(missing)}
            )
        )
    return errors


def one_line(raw: str) -> str:
    """The text cleaned and its lines joined by spaces."""
    return " ".join(line for line in clean_text(raw).split("\n") if line)


def quoted(value: str) -> str:
    """A cell's value as a problem shows it: quoted, and shortened when long."""
    shown = value.strip()
    return repr(shown if len(shown) <= 60 else shown[:57] + "...")


def write_rows(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The rows under a header, in the import format (UTF-8 text, no byte order mark)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()
