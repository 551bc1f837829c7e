"""The directory of authorities as CSV: an all-or-nothing import and an export.

Operators keep the directory (names, level, petition rules and contacts) in a spreadsheet;
``vzayemodiia authorities export FILE`` writes it and ``vzayemodiia authorities import
FILE`` reads it back.

The format: UTF-8 (a byte order mark is accepted on import, none is written), commas, a
header row naming the columns in any order. The columns are :data:`COLUMNS`; those in
:data:`REQUIRED_COLUMNS` must be present. An optional column left out of the file leaves
that field as it is on an update (and empty on a new authority); an empty cell empties it.

A row with an ``id`` updates that authority; a row without one updates the authority of
the same ``name_uk`` if there is one, and otherwise adds a new authority. So importing a
file twice, or importing what was just exported, changes nothing. Every row is checked
before anything is written; one error anywhere and nothing is written, and every error is
reported with its line in the file (the header is line 1).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.csv_rows import N_, ImportReport, one_line, quoted, read_rows, write_rows
from civic.csv_rows import RowProblem as DirectoryError
from civic.text import clean_text, search_key
from storage.db import Database
from storage.models import Authority, AuthorityLevel

COLUMNS = (
    "id",
    "name_uk",
    "name_en",
    "level",
    "region",
    "address",
    "phone",
    "request_email",
    "website",
    "public_council_url",
    "petition_threshold",
    "petition_period_months",
    "petition_period_days",
    "consultation_min_days",
    "consultation_report_days",
)
REQUIRED_COLUMNS = (
    "name_uk",
    "name_en",
    "level",
    "petition_threshold",
    "petition_period_months",
    "petition_period_days",
)
PHONE_REGION = "UA"
LEVELS = tuple(level.value for level in AuthorityLevel)

# The largest value an INTEGER column holds on PostgreSQL.
_MAX_INTEGER = 2**31 - 1
_WHOLE_NUMBER = re.compile(r"[0-9]+")
# Deliberately simple: one @, no spaces, a dotted domain ending in a name of letters
# (Unicode ones too, for .укр) or an xn-- label. Deliverability is the mail server's business.
_EMAIL = re.compile(
    r"[^@\s\"(),:;<>\[\]\\]+"
    r"@(?:[^\W_](?:[\w-]*[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})",
    re.IGNORECASE,
)
_LEVEL_BY_NAME = {level.value: level for level in AuthorityLevel}


def _column_length(name: str) -> int:
    column_type = Authority.__table__.c[name].type
    assert isinstance(column_type, String)
    assert column_type.length is not None
    return column_type.length


_TEXT_LENGTHS = {
    name: _column_length(name)
    for name in (
        "name_uk",
        "name_en",
        "region",
        "address",
        "request_email",
        "website",
        "public_council_url",
    )
}


@dataclass(frozen=True, slots=True)
class DirectoryExport:
    text: str
    count: int


@dataclass(slots=True)
class ParsedRow:
    """One data row as parsed: the fields that passed their checks, by attribute name."""

    line: int
    authority_id: int | None
    values: dict[str, Any]
    valid: bool


# --- parsing -------------------------------------------------------------------------


def parse_directory(data: bytes) -> tuple[list[ParsedRow], list[DirectoryError]]:
    """The rows of a directory file and every problem found without the database."""
    cells_by_line, errors = read_rows(data, COLUMNS, REQUIRED_COLUMNS)
    return [_parse_row(line, cells, errors) for line, cells in cells_by_line], errors


def _parse_row(line: int, cells: dict[str, str], errors: list[DirectoryError]) -> ParsedRow:
    found: list[DirectoryError] = []
    values: dict[str, Any] = {}

    def fail(column: str, template: str, **values: Any) -> None:
        found.append(DirectoryError(line, column, template, values))

    def whole_number(column: str) -> int | None:
        raw = cells[column].strip()
        if not _WHOLE_NUMBER.fullmatch(raw) or int(raw) == 0:
            fail(column, N_("{value} is not a whole number above zero"), value=quoted(raw))
            return None
        if int(raw) > _MAX_INTEGER:
            fail(
                column, N_("{value} is too large (at most {limit})"), value=raw, limit=_MAX_INTEGER
            )
            return None
        return int(raw)

    def text(column: str, *, required: bool = False, multiline: bool = False) -> None:
        if column not in cells:
            return
        value = clean_text(cells[column]) if multiline else one_line(cells[column])
        limit = _TEXT_LENGTHS[column]
        if not value:
            if required:
                fail(column, N_("must not be empty"))
            else:
                values[column] = None
        elif len(value) > limit:
            fail(
                column,
                N_("too long: {length} characters, at most {limit}"),
                length=len(value),
                limit=limit,
            )
        else:
            values[column] = value

    authority_id = None
    if cells.get("id", "").strip():
        authority_id = whole_number("id")

    text("name_uk", required=True)
    text("name_en", required=True)

    level = cells["level"].strip().lower()
    if level in _LEVEL_BY_NAME:
        values["level"] = _LEVEL_BY_NAME[level]
    elif not level:
        fail("level", N_("must not be empty; allowed: {allowed}"), allowed=", ".join(LEVELS))
    else:
        fail(
            "level",
            N_("unknown level {value}; allowed: {allowed}"),
            value=quoted(level),
            allowed=", ".join(LEVELS),
        )

    text("region")
    text("address", multiline=True)

    if "phone" in cells:
        raw_phone = cells["phone"].strip()
        if not raw_phone:
            values["phone"] = None
        else:
            phone = _e164(raw_phone)
            if phone is None:
                fail(
                    "phone",
                    N_(
                        "{value} is not a valid phone number "
                        "(e.g. +380 44 123 4567, or 044 123 4567 for Ukraine)"
                    ),
                    value=quoted(raw_phone),
                )
            else:
                values["phone"] = phone

    text("request_email")
    email = values.get("request_email")
    if email is not None and not _EMAIL.fullmatch(email):
        fail("request_email", N_("{value} is not an e-mail address"), value=quoted(email))
        del values["request_email"]

    for column in ("website", "public_council_url"):
        text(column)
        url = values.get(column)
        if url is not None and not _is_web_address(url):
            fail(
                column,
                N_("{value} is not a web address starting with http:// or https://"),
                value=quoted(url),
            )
            del values[column]

    if cells["petition_threshold"].strip():
        values["petition_threshold"] = whole_number("petition_threshold")
    else:
        fail("petition_threshold", N_("must not be empty (the signatures a petition needs)"))

    months_raw = cells["petition_period_months"].strip()
    days_raw = cells["petition_period_days"].strip()
    if months_raw and days_raw:
        fail(
            "petition_period_months",
            N_(
                "both petition_period_months and petition_period_days are set; "
                "set exactly one of them"
            ),
        )
    elif not months_raw and not days_raw:
        fail(
            "petition_period_months",
            N_(
                "neither petition_period_months nor petition_period_days is set; "
                "set exactly one of them"
            ),
        )
    else:
        values["petition_period_months"] = (
            whole_number("petition_period_months") if months_raw else None
        )
        values["petition_period_days"] = whole_number("petition_period_days") if days_raw else None

    # E-consultations' settings: empty for the defaults (15 days; the report 14 days after).
    for column in ("consultation_min_days", "consultation_report_days"):
        if column in cells:
            values[column] = whole_number(column) if cells[column].strip() else None

    errors.extend(found)
    return ParsedRow(line, authority_id, values, valid=not found)


def _e164(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _is_web_address(value: str) -> bool:
    if any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


# --- import ----------------------------------------------------------------------------


async def import_directory(session: AsyncSession, data: bytes, now: datetime) -> ImportReport:
    """Check the whole file, then create and update authorities, or write nothing at all."""
    rows, errors = parse_directory(data)
    existing = {a.id: a for a in (await session.scalars(select(Authority))).all()}
    targets = _match_rows(rows, existing, errors)
    if errors or not all(row.valid for row in rows):
        ordered = sorted(errors, key=lambda error: error.line)
        return ImportReport(errors=tuple(ordered))

    updates: list[tuple[Authority, dict[str, Any]]] = []
    creates: list[dict[str, Any]] = []
    unchanged = 0
    for row in rows:
        target = targets[row.line]
        if target is None:
            creates.append(_with_search_text(row.values, None))
            continue
        wanted = _with_search_text(row.values, target)
        changes = {name: value for name, value in wanted.items() if getattr(target, name) != value}
        if changes:
            updates.append((target, changes))
        else:
            unchanged += 1

    # Names are unique at every statement, so names swapped or passed along in one file
    # are first parked on placeholders no real name can equal (names are one line).
    renamed = [target for target, changes in updates if "name_uk" in changes]
    if len(renamed) > 1:
        for target in renamed:
            target.name_uk = f"\n{target.id}"
        await session.flush()
    for target, changes in updates:
        for name, value in changes.items():
            setattr(target, name, value)
    await session.flush()
    for values in creates:
        session.add(Authority(**values, created_at=now))
    await session.flush()
    return ImportReport(created=len(creates), updated=len(updates), unchanged=unchanged)


def _with_search_text(values: dict[str, Any], target: Authority | None) -> dict[str, Any]:
    name_uk = values.get("name_uk", target.name_uk if target else "")
    name_en = values.get("name_en", target.name_en if target else "")
    return {**values, "search_text": search_key(name_uk, name_en)}


def _match_rows(
    rows: Sequence[ParsedRow], existing: dict[int, Authority], errors: list[DirectoryError]
) -> dict[int, Authority | None]:
    """The authority each row updates (None: a new one), by line; adds the errors found."""
    by_name = {authority.name_uk: authority for authority in existing.values()}
    first_line_of_name: dict[str, int] = {}
    first_line_of_id: dict[int, int] = {}
    for row in rows:
        name = row.values.get("name_uk")
        if name is not None:
            if name in first_line_of_name:
                errors.append(
                    DirectoryError(
                        row.line,
                        "name_uk",
                        N_("duplicate of line {line} (the same name_uk)"),
                        {"line": first_line_of_name[name]},
                    )
                )
            else:
                first_line_of_name[name] = row.line
        if row.authority_id is not None:
            if row.authority_id in first_line_of_id:
                errors.append(
                    DirectoryError(
                        row.line,
                        "id",
                        N_("duplicate of line {line} (the same id)"),
                        {"line": first_line_of_id[row.authority_id]},
                    )
                )
            else:
                first_line_of_id[row.authority_id] = row.line
            if row.authority_id not in existing:
                errors.append(
                    DirectoryError(
                        row.line,
                        "id",
                        N_(
                            "there is no authority with id {id} "
                            "(leave id empty to add a new authority)"
                        ),
                        {"id": row.authority_id},
                    )
                )

    # Rows without an id update the authority of their name, unless another row of the
    # file names that authority by its id (then it is renamed, and the name is free).
    by_id = {row.authority_id for row in rows if row.authority_id in existing}
    targets: dict[int, Authority | None] = {}
    for row in rows:
        name = row.values.get("name_uk")
        holder = by_name.get(name) if name is not None else None
        if row.authority_id is None:
            targets[row.line] = holder if holder is not None and holder.id not in by_id else None
            continue
        target = existing.get(row.authority_id)
        targets[row.line] = target
        if (
            target is not None
            and holder is not None
            and holder.id != target.id
            and holder.id not in by_id
        ):
            errors.append(
                DirectoryError(
                    row.line,
                    "name_uk",
                    N_(
                        "authority {id} already has this name "
                        "(rename it in the same file, or use its id)"
                    ),
                    {"id": holder.id},
                )
            )
    return targets


# --- one authority, from a form ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SavedAuthority:
    """An authority created or edited, with its fields before (None: new) and after."""

    authority: Authority
    before: dict[str, Any] | None
    after: dict[str, Any]


def _fields(authority: Authority) -> dict[str, Any]:
    return {column: getattr(authority, column) for column in COLUMNS if column != "id"}


async def save_authority(
    session: AsyncSession, authority_id: int | None, cells: dict[str, str], now: datetime
) -> SavedAuthority | list[DirectoryError]:
    """Create (``authority_id`` None) or edit one authority from the fields of a form,
    checked exactly as a row of an imported file is; the errors, or what was saved.

    Unlike an import, a new authority never takes over an existing one of the same name:
    the form asked for a new one."""
    errors: list[DirectoryError] = []
    given = {column: cells.get(column, "") for column in COLUMNS if column != "id"}
    row = _parse_row(1, given, errors)
    target = None
    if authority_id is not None:
        target = await session.get(Authority, authority_id)
        if target is None:
            raise LookupError(authority_id)
    name = row.values.get("name_uk")
    if name is not None:
        holder = await session.scalar(select(Authority).where(Authority.name_uk == name))
        if holder is not None and holder is not target:
            errors.append(
                DirectoryError(
                    1, "name_uk", N_("authority {id} already has this name"), {"id": holder.id}
                )
            )
    if errors:
        return errors
    values = _with_search_text(row.values, target)
    if target is None:
        target = Authority(**values, created_at=now)
        session.add(target)
        await session.flush()
        return SavedAuthority(target, None, _fields(target))
    before = _fields(target)
    for column, value in values.items():
        setattr(target, column, value)
    await session.flush()
    return SavedAuthority(target, before, _fields(target))


async def import_authorities(database: Database, data: bytes, now: datetime) -> ImportReport:
    """:func:`import_directory` in one transaction of its own."""
    async with database.transaction() as session:
        return await import_directory(session, data, now)


# --- export ----------------------------------------------------------------------------


async def export_directory(session: AsyncSession) -> DirectoryExport:
    """Every authority, by id, in the import format (UTF-8 text without a byte order mark)."""
    authorities = (await session.scalars(select(Authority).order_by(Authority.id))).all()
    rows = [[_cell(getattr(authority, column)) for column in COLUMNS] for authority in authorities]
    return DirectoryExport(write_rows(COLUMNS, rows), len(authorities))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, AuthorityLevel):
        return value.value
    return str(value)


async def export_authorities(database: Database) -> DirectoryExport:
    """:func:`export_directory` in a read-only session."""
    async with database.reading() as session:
        return await export_directory(session)
