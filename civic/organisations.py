"""The stakeholder base: civil-society organisations, which nominate candidates to public
council elections. Kept from the admin web (a form, a verification mark) and as a CSV
file both ways (``vzayemodiia organisations import|export FILE``, and the admin web).

The file: the columns :data:`COLUMNS` (``name`` and ``edrpou`` required), read as every
CSV of records is (``civic.csv_rows``). A row with an ``id`` updates that organisation;
a row without one updates the organisation of the same EDRPOU code, or adds one. Every
row is checked before anything is written; one problem anywhere and nothing is written.
Importing what was just exported changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.csv_rows import (
    N_,
    ImportReport,
    RowProblem,
    one_line,
    quoted,
    read_rows,
    write_rows,
)
from civic.text import search_key, search_words
from storage.db import Database
from storage.organisation_models import Organisation

COLUMNS = ("id", "name", "edrpou", "region", "contacts", "registered_on", "verified")
REQUIRED_COLUMNS = ("name", "edrpou")
NAME_LENGTH = (3, 300)
REGION_LENGTH = 100
CONTACTS_LENGTH = 500
_CODE = re.compile(r"[0-9]{8}")
_TRUE = ("yes", "true", "1", "так")
_FALSE = ("no", "false", "0", "ні", "")


def edrpou_check_digit(first_seven: str) -> int:
    """The check digit of an EDRPOU code (the register's rule): the first seven digits
    weighted 1-7, or 7,1-6 for codes from 30000000 to 60000000; the sum modulo 11; if
    that is 10, the weights plus 2 again, and 10 once more means 0."""
    digits = [int(digit) for digit in first_seven]
    code = int(first_seven + "0")
    weights = [7, 1, 2, 3, 4, 5, 6] if 30_000_000 <= code <= 60_000_000 else [1, 2, 3, 4, 5, 6, 7]
    remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    if remainder == 10:
        remainder = sum(d * (w + 2) for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if remainder == 10 else remainder


def valid_edrpou(code: str) -> bool:
    return bool(_CODE.fullmatch(code)) and edrpou_check_digit(code[:7]) == int(code[7])


@dataclass(slots=True)
class ParsedOrganisation:
    line: int
    organisation_id: int | None
    values: dict[str, Any]
    valid: bool


def _parse_row(
    line: int, cells: dict[str, str], today: date, errors: list[RowProblem]
) -> ParsedOrganisation:
    found: list[RowProblem] = []
    values: dict[str, Any] = {}

    def fail(column: str, template: str, **shown: Any) -> None:
        found.append(RowProblem(line, column, template, shown))

    organisation_id = None
    raw_id = cells.get("id", "").strip()
    if raw_id:
        if raw_id.isdigit() and 0 < int(raw_id) < 2**31:
            organisation_id = int(raw_id)
        else:
            fail("id", N_("{value} is not a whole number above zero"), value=quoted(raw_id))

    name = one_line(cells["name"])
    if len(name) < NAME_LENGTH[0]:
        fail("name", N_("too short: at least {limit} characters"), limit=NAME_LENGTH[0])
    elif len(name) > NAME_LENGTH[1]:
        fail(
            "name",
            N_("too long: {length} characters, at most {limit}"),
            length=len(name),
            limit=NAME_LENGTH[1],
        )
    else:
        values["name"] = name

    code = cells["edrpou"].strip()
    if not _CODE.fullmatch(code):
        fail("edrpou", N_("{value} is not an EDRPOU code of eight digits"), value=quoted(code))
    elif not valid_edrpou(code):
        fail(
            "edrpou",
            N_("{value} is not a valid EDRPOU code: its last digit does not check"),
            value=quoted(code),
        )
    else:
        values["edrpou"] = code

    for column, limit in (("region", REGION_LENGTH), ("contacts", CONTACTS_LENGTH)):
        if column not in cells:
            continue
        value = one_line(cells[column])
        if len(value) > limit:
            fail(
                column,
                N_("too long: {length} characters, at most {limit}"),
                length=len(value),
                limit=limit,
            )
        else:
            values[column] = value or None

    if "registered_on" in cells:
        raw_date = cells["registered_on"].strip()
        if not raw_date:
            values["registered_on"] = None
        else:
            try:
                registered = date.fromisoformat(raw_date)
            except ValueError:
                registered = None
            if registered is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw_date):
                fail(
                    "registered_on",
                    N_("{value} is not a date written as YYYY-MM-DD"),
                    value=quoted(raw_date),
                )
            elif registered > today:
                fail("registered_on", N_("{value} is in the future"), value=raw_date)
            else:
                values["registered_on"] = registered

    if "verified" in cells:
        raw_flag = cells["verified"].strip().lower()
        if raw_flag in _TRUE:
            values["verified"] = True
        elif raw_flag in _FALSE:
            values["verified"] = False
        else:
            fail("verified", N_("{value} is not yes or no"), value=quoted(raw_flag))

    errors.extend(found)
    return ParsedOrganisation(line, organisation_id, values, valid=not found)


def search_text_of(name: str, code: str) -> str:
    """What a search of the base matches: the name's words and the code."""
    return search_key(name, code)


def _with_search_text(values: dict[str, Any], target: Organisation | None) -> dict[str, Any]:
    name = values.get("name", target.name if target else "")
    code = values.get("edrpou", target.edrpou if target else "")
    return {**values, "search_text": search_text_of(name, code)}


def fields_of(organisation: Organisation) -> dict[str, Any]:
    """What the audit log and the form show of an organisation."""
    return {column: getattr(organisation, column) for column in COLUMNS if column != "id"}


# --- one organisation, from a form -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class SavedOrganisation:
    organisation: Organisation
    before: dict[str, Any] | None
    after: dict[str, Any]


async def save_organisation(
    session: AsyncSession, organisation_id: int | None, cells: dict[str, str], now: datetime
) -> SavedOrganisation | list[RowProblem]:
    """Create (``organisation_id`` None) or edit one organisation from a form's fields,
    checked as a row of the file is; the problems, or what was saved. LookupError for an
    unknown id."""
    errors: list[RowProblem] = []
    given = {column: cells.get(column, "") for column in COLUMNS if column != "id"}
    row = _parse_row(1, given, now.date(), errors)
    target = None
    if organisation_id is not None:
        target = await session.get(Organisation, organisation_id)
        if target is None:
            raise LookupError(organisation_id)
    code = row.values.get("edrpou")
    if code is not None:
        holder = await session.scalar(select(Organisation).where(Organisation.edrpou == code))
        if holder is not None and holder is not target:
            errors.append(
                RowProblem(
                    1,
                    "edrpou",
                    N_("organisation {id} already has this EDRPOU code"),
                    {"id": holder.id},
                )
            )
    if errors:
        return errors
    values = _with_search_text(row.values, target)
    if target is None:
        target = Organisation(**values, created_at=now, updated_at=now)
        session.add(target)
        await session.flush()
        return SavedOrganisation(target, None, fields_of(target))
    before = fields_of(target)
    for column, value in values.items():
        setattr(target, column, value)
    target.updated_at = now
    await session.flush()
    return SavedOrganisation(target, before, fields_of(target))


async def set_verified(
    session: AsyncSession, organisation_id: int, verified: bool, now: datetime
) -> tuple[bool, Organisation]:
    """Mark it checked against the register, or not; (whether it changed, it)."""
    organisation = await session.get(Organisation, organisation_id, with_for_update=True)
    if organisation is None:
        raise LookupError(organisation_id)
    changed = organisation.verified != verified
    organisation.verified = verified
    if changed:
        organisation.updated_at = now
    return changed, organisation


# --- listing ---------------------------------------------------------------------------


def listing(
    search: str = "", region: str | None = None, verified: bool | None = None
) -> Select[Organisation]:
    """Organisations whose name or code has every word of ``search``, in a region, verified
    or not; by name."""
    statement = select(Organisation)
    for word in search_words(search):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Organisation.search_text.like(f"%{escaped}%", escape="\\"))
    if region:
        statement = statement.where(Organisation.region == region)
    if verified is not None:
        statement = statement.where(Organisation.verified.is_(verified))
    return statement.order_by(Organisation.name, Organisation.id)


# --- the file --------------------------------------------------------------------------


async def import_organisations(session: AsyncSession, data: bytes, now: datetime) -> ImportReport:
    """Check the whole file, then create and update organisations, or write nothing."""
    cells_by_line, errors = read_rows(data, COLUMNS, REQUIRED_COLUMNS)
    rows = [_parse_row(line, cells, now.date(), errors) for line, cells in cells_by_line]
    existing = {o.id: o for o in (await session.scalars(select(Organisation))).all()}
    targets = _match_rows(rows, existing, errors)
    if errors or not all(row.valid for row in rows):
        return ImportReport(errors=tuple(sorted(errors, key=lambda error: error.line)))
    created = updated = unchanged = 0
    changing: list[tuple[Organisation, dict[str, Any]]] = []
    for row in rows:
        target = targets[row.line]
        wanted = _with_search_text(row.values, target)
        if target is None:
            session.add(Organisation(**wanted, created_at=now, updated_at=now))
            created += 1
            continue
        changes = {name: value for name, value in wanted.items() if getattr(target, name) != value}
        if changes:
            changing.append((target, changes))
        else:
            unchanged += 1
    # Codes are unique at every statement: codes swapped in one file are parked first on
    # placeholders no real code can equal (a code is eight digits).
    recoded = [target for target, changes in changing if "edrpou" in changes]
    if len(recoded) > 1:
        for target in recoded:
            target.edrpou = f"x{target.id:07x}"
        await session.flush()
    for target, changes in changing:
        for name, value in changes.items():
            setattr(target, name, value)
        target.updated_at = now
        updated += 1
    await session.flush()
    return ImportReport(created=created, updated=updated, unchanged=unchanged)


def _match_rows(
    rows: Sequence[ParsedOrganisation],
    existing: dict[int, Organisation],
    errors: list[RowProblem],
) -> dict[int, Organisation | None]:
    """The organisation each row updates (None: a new one), by line; adds the problems."""
    by_code = {organisation.edrpou: organisation for organisation in existing.values()}
    named_by_id = {row.organisation_id for row in rows if row.organisation_id in existing}
    first_line_of: dict[tuple[str, object], int] = {}
    targets: dict[int, Organisation | None] = {}
    for row in rows:
        code = row.values.get("edrpou")
        for column, key in (("edrpou", code), ("id", row.organisation_id)):
            if key is None:
                continue
            if (column, key) in first_line_of:
                errors.append(
                    RowProblem(
                        row.line,
                        column,
                        N_("duplicate of line {line} (the same {column})"),
                        {"line": first_line_of[(column, key)], "column": column},
                    )
                )
            else:
                first_line_of[(column, key)] = row.line
        holder = by_code.get(code) if code is not None else None
        if row.organisation_id is None:
            takes_over = holder is not None and holder.id not in named_by_id
            targets[row.line] = holder if takes_over else None
            continue
        target = existing.get(row.organisation_id)
        targets[row.line] = target
        if target is None:
            errors.append(
                RowProblem(
                    row.line,
                    "id",
                    N_(
                        "there is no organisation with id {id} "
                        "(leave id empty to add a new organisation)"
                    ),
                    {"id": row.organisation_id},
                )
            )
        elif holder is not None and holder.id != target.id and holder.id not in named_by_id:
            errors.append(
                RowProblem(
                    row.line,
                    "edrpou",
                    N_("organisation {id} already has this EDRPOU code"),
                    {"id": holder.id},
                )
            )
    return targets


async def export_organisations(session: AsyncSession) -> tuple[str, int]:
    """Every organisation, by id, in the import format; (the text, how many)."""
    organisations = (await session.scalars(select(Organisation).order_by(Organisation.id))).all()
    rows = [[_cell(getattr(o, column)) for column in COLUMNS] for o in organisations]
    return write_rows(COLUMNS, rows), len(organisations)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


async def import_file(database: Database, data: bytes, now: datetime) -> ImportReport:
    """:func:`import_organisations` in one transaction of its own."""
    async with database.transaction() as session:
        return await import_organisations(session, data, now)


async def export_file(database: Database) -> tuple[str, int]:
    """:func:`export_organisations` in a read-only session."""
    async with database.reading() as session:
        return await export_organisations(session)
