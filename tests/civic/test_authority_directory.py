"""The directory of authorities as CSV: validated all-or-nothing import, export, round trip."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import select

from civic.authority_directory import (
    COLUMNS,
    ImportReport,
    export_authorities,
    import_authorities,
)
from civic.clock import FixedClock
from civic.text import search_key
from storage.db import Database
from storage.models import Authority, AuthorityLevel

HEADER = ",".join(COLUMNS)

# Three authorities in the canonical column order, new (no ids).
DIRECTORY = "\n".join(
    [
        HEADER,
        ",Верховна Рада України,Verkhovna Rada of Ukraine,national,,"
        '"вул. Грушевського, 5, Київ",+380442553050,petitions@rada.gov.ua,'
        "https://www.rada.gov.ua,,25000,3,,,",
        ",Київська міська рада,Kyiv City Council,local,м. Київ,,(044) 202-70-76,"
        "info@kyivcity.gov.ua,https://kyivcity.gov.ua,https://kyivcity.gov.ua/rada,10000,3,,"
        "30,",
        ",Вінницька міська рада,Vinnytsia City Council,local,Вінницька область,,,,,,300,,30,,",
    ]
).encode()


def csv_bytes(*rows: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> bytes:
    """A directory file with ``columns`` as its header and ``rows`` (missing cells empty)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in columns})
    return buffer.getvalue().encode()


def row(name: str = "Рада громади", **cells: str) -> dict[str, str]:
    """A valid row for a new local authority, with ``cells`` changed."""
    base = {
        "name_uk": name,
        "name_en": f"{name} (en)",
        "level": "local",
        "petition_threshold": "300",
        "petition_period_days": "30",
    }
    return {**base, **cells}


async def snapshot(database: Database) -> list[tuple[Any, ...]]:
    """Every authority row, every column, by id."""
    async with database.reading() as session:
        found = (await session.scalars(select(Authority).order_by(Authority.id))).all()
        return [
            tuple(getattr(authority, column.key) for column in Authority.__table__.columns)
            for authority in found
        ]


async def by_name(database: Database) -> dict[str, Authority]:
    async with database.reading() as session:
        found = (await session.scalars(select(Authority))).all()
        return {authority.name_uk: authority for authority in found}


async def import_refused(database: Database, clock: FixedClock, data: bytes) -> list[str]:
    """Import ``data``, assert it was refused and wrote nothing; the errors as text."""
    before = await snapshot(database)
    report = await import_authorities(database, data, clock.now())
    assert not report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert await snapshot(database) == before
    return [str(error) for error in report.errors]


async def test_valid_import_creates_authorities(database: Database, clock: FixedClock) -> None:
    """A valid file creates every authority with its fields, E.164 phone and search text."""
    report = await import_authorities(database, DIRECTORY, clock.now())
    assert report == ImportReport(created=3, updated=0, unchanged=0)
    assert report.summary() == "3 created, 0 updated, 0 unchanged"

    found = await by_name(database)
    assert set(found) == {"Верховна Рада України", "Київська міська рада", "Вінницька міська рада"}
    rada = found["Верховна Рада України"]
    assert rada.level is AuthorityLevel.NATIONAL
    assert rada.address == "вул. Грушевського, 5, Київ"
    assert rada.region is None
    assert (rada.petition_threshold, rada.petition_period_months) == (25000, 3)
    assert rada.petition_period_days is None
    assert rada.created_at == clock.now()
    kyiv = found["Київська міська рада"]
    assert kyiv.phone == "+380442027076"
    assert kyiv.request_email == "info@kyivcity.gov.ua"
    assert kyiv.public_council_url == "https://kyivcity.gov.ua/rada"
    assert kyiv.search_text == search_key("Київська міська рада", "Kyiv City Council")
    vinnytsia = found["Вінницька міська рада"]
    assert (vinnytsia.petition_period_months, vinnytsia.petition_period_days) == (None, 30)
    assert (vinnytsia.phone, vinnytsia.website) == (None, None)


async def test_importing_the_same_file_twice_changes_nothing(
    database: Database, clock: FixedClock
) -> None:
    """The second import of a file without ids matches by name_uk and writes nothing."""
    await import_authorities(database, DIRECTORY, clock.now())
    before = await snapshot(database)
    again = await import_authorities(database, DIRECTORY, clock.now())
    assert again == ImportReport(created=0, updated=0, unchanged=3)
    assert await snapshot(database) == before


async def test_export_then_import_is_a_no_op(database: Database, clock: FixedClock) -> None:
    """Importing what was just exported changes nothing, and exports the same text again."""
    await import_authorities(database, DIRECTORY, clock.now())
    before = await snapshot(database)
    exported = await export_authorities(database)
    assert exported.count == 3
    report = await import_authorities(database, exported.text.encode(), clock.now())
    assert report == ImportReport(unchanged=3)
    assert await snapshot(database) == before
    assert (await export_authorities(database)).text == exported.text


async def test_export_is_by_id_in_the_import_format(database: Database, clock: FixedClock) -> None:
    """The export has the documented header, one row per authority by id, no BOM."""
    await import_authorities(database, DIRECTORY, clock.now())
    text = (await export_authorities(database)).text
    assert not text.startswith("\ufeff")
    lines = list(csv.DictReader(io.StringIO(text, newline="")))
    assert text.splitlines()[0] == HEADER
    ids = [int(line["id"]) for line in lines]
    assert ids == sorted(ids)
    assert [line["name_en"] for line in lines] == [
        "Verkhovna Rada of Ukraine",
        "Kyiv City Council",
        "Vinnytsia City Council",
    ]
    assert lines[1]["phone"] == "+380442027076"
    assert lines[2]["petition_period_months"] == ""
    assert lines[2]["petition_period_days"] == "30"


async def test_commas_quotes_and_newlines_round_trip(database: Database, clock: FixedClock) -> None:
    """Values with commas, quotes and a multi-line address come back from export unchanged."""
    name = 'Рада "Громади", Київщина'
    address = 'вул. Хрещатик, 36,\nКиїв, "Мерія"'
    data = csv_bytes(row(name, name_en='Council "of", the community', address=address))
    assert (await import_authorities(database, data, clock.now())).created == 1
    stored = (await by_name(database))[name]
    assert stored.name_en == 'Council "of", the community'
    assert stored.address == address

    exported = await export_authorities(database)
    (exported_row,) = csv.DictReader(io.StringIO(exported.text, newline=""))
    assert exported_row["address"] == address
    again = await import_authorities(database, exported.text.encode(), clock.now())
    assert again == ImportReport(unchanged=1)


async def test_byte_order_mark_is_accepted(database: Database, clock: FixedClock) -> None:
    """A file saved by a spreadsheet as "CSV UTF-8" (with a BOM) imports like any other."""
    report = await import_authorities(database, b"\xef\xbb\xbf" + DIRECTORY, clock.now())
    assert report.created == 3
    assert "Верховна Рада України" in await by_name(database)


async def test_column_order_may_differ(database: Database, clock: FixedClock) -> None:
    """Columns are found by their header names, in whatever order the file has them."""
    columns = tuple(reversed(COLUMNS))
    data = csv_bytes(row("Рада", region="Одеська область"), columns=columns)
    assert (await import_authorities(database, data, clock.now())).created == 1
    assert (await by_name(database))["Рада"].region == "Одеська область"


async def test_rows_update_by_id_and_by_name(database: Database, clock: FixedClock) -> None:
    """A row with an id updates that authority; one without updates the same name_uk."""
    await import_authorities(database, DIRECTORY, clock.now())
    authorities = await by_name(database)
    kyiv_id = authorities["Київська міська рада"].id
    data = csv_bytes(
        row("Київська міська рада (КМДА)", id=str(kyiv_id), name_en="Kyiv City Council"),
        row("Вінницька міська рада", petition_threshold="500"),
        row("Сільська рада", petition_threshold="50"),
    )
    report = await import_authorities(database, data, clock.now())
    assert report == ImportReport(created=1, updated=2, unchanged=0)
    after = await by_name(database)
    renamed = after["Київська міська рада (КМДА)"]
    assert renamed.id == kyiv_id
    assert renamed.search_text == search_key("Київська міська рада (КМДА)", "Kyiv City Council")
    assert "Київська міська рада" not in after
    assert after["Вінницька міська рада"].petition_threshold == 500
    assert after["Сільська рада"].petition_threshold == 50


async def test_two_authorities_can_swap_names(database: Database, clock: FixedClock) -> None:
    """Names exchanged between two authorities in one file pass the unique constraint."""
    await import_authorities(database, csv_bytes(row("Перша"), row("Друга")), clock.now())
    first, second = (await by_name(database))["Перша"].id, (await by_name(database))["Друга"].id
    data = csv_bytes(row("Друга", id=str(first)), row("Перша", id=str(second)))
    report = await import_authorities(database, data, clock.now())
    assert report.updated == 2
    after = await by_name(database)
    assert (after["Друга"].id, after["Перша"].id) == (first, second)


async def test_missing_optional_column_leaves_the_field(
    database: Database, clock: FixedClock
) -> None:
    """A file without an optional column keeps that field; an empty cell clears it."""
    await import_authorities(database, DIRECTORY, clock.now())
    columns = tuple(c for c in COLUMNS if c not in ("id", "phone"))
    data = csv_bytes(
        row(
            "Київська міська рада",
            name_en="Kyiv City Council",
            petition_threshold="10000",
            petition_period_months="3",
            petition_period_days="",
            region="м. Київ",
        ),
        columns=columns,
    )
    assert (await import_authorities(database, data, clock.now())).updated == 1
    kyiv = (await by_name(database))["Київська міська рада"]
    assert kyiv.phone == "+380442027076"  # no phone column: kept
    assert kyiv.request_email is None  # empty cell: cleared
    assert kyiv.website is None


async def test_malformed_row_writes_nothing(database: Database, clock: FixedClock) -> None:
    """A row with more values than columns refuses the whole file, naming its line."""
    text = DIRECTORY.decode() + "\nЗайва рада,Extra,local,,,,,,,,300,,30,,,extra value\n"
    errors = await import_refused(database, clock, text.encode())
    assert errors == ["line 5: has 16 values but the header names 15 columns"]


async def test_broken_quoting_is_reported_with_its_line(
    database: Database, clock: FixedClock
) -> None:
    """Text after a closing quote is malformed CSV, reported at its line; nothing written."""
    text = HEADER + '\n,"Рада"x,Council,local,,,,,,,300,,30\n'
    errors = await import_refused(database, clock, text.encode())
    assert len(errors) == 1
    assert errors[0].startswith("line 2: malformed CSV")


async def test_every_error_of_every_row_is_reported(database: Database, clock: FixedClock) -> None:
    """Several bad rows: all their errors come back, by line, and nothing is written."""
    await import_authorities(database, DIRECTORY, clock.now())
    data = csv_bytes(
        row("Добра рада"),
        row("", level="federal"),
        row("Третя рада"),
        row("Четверта рада", petition_threshold="0", request_email="nobody"),
        row("П'ята рада", website="rada.ua"),
    )
    errors = await import_refused(database, clock, data)
    assert errors == [
        "line 3, column name_uk: must not be empty",
        "line 3, column level: unknown level 'federal'; allowed: national, regional, local",
        "line 5, column request_email: 'nobody' is not an e-mail address",
        "line 5, column petition_threshold: '0' is not a whole number above zero",
        "line 6, column website: 'rada.ua' is not a web address starting with http:// or https://",
    ]
    assert "Добра рада" not in await by_name(database)


async def test_unknown_level_lists_the_allowed_ones(database: Database, clock: FixedClock) -> None:
    """An unknown level is refused with the allowed levels named."""
    errors = await import_refused(database, clock, csv_bytes(row(level="district")))
    assert errors == [
        "line 2, column level: unknown level 'district'; allowed: national, regional, local"
    ]


@pytest.mark.parametrize(
    ("months", "days", "problem"),
    [("3", "30", "both"), ("", "", "neither")],
)
async def test_exactly_one_period_is_required(
    database: Database, clock: FixedClock, months: str, days: str, problem: str
) -> None:
    """Both or neither of petition_period_months/days is refused, naming the columns."""
    data = csv_bytes(row(petition_period_months=months, petition_period_days=days))
    errors = await import_refused(database, clock, data)
    assert len(errors) == 1
    assert errors[0].startswith(f"line 2, column petition_period_months: {problem} ")
    assert "petition_period_days" in errors[0]


@pytest.mark.parametrize("threshold", ["-5", "abc", "1.5", "", "99999999999"])
async def test_threshold_must_be_a_positive_integer(
    database: Database, clock: FixedClock, threshold: str
) -> None:
    """A threshold that is not a whole number above zero (and fits) is refused."""
    errors = await import_refused(database, clock, csv_bytes(row(petition_threshold=threshold)))
    assert len(errors) == 1
    assert errors[0].startswith("line 2, column petition_threshold: ")


async def test_duplicate_name_in_one_file(database: Database, clock: FixedClock) -> None:
    """Two rows with the same name_uk: the second is a duplicate of the first's line."""
    data = csv_bytes(row("Рада"), row("Інша рада"), row("Рада"))
    errors = await import_refused(database, clock, data)
    assert errors == ["line 4, column name_uk: duplicate of line 2 (the same name_uk)"]


async def test_duplicate_id_in_one_file(database: Database, clock: FixedClock) -> None:
    """Two rows with the same id: the second is a duplicate of the first's line."""
    await import_authorities(database, csv_bytes(row("Рада")), clock.now())
    authority_id = str((await by_name(database))["Рада"].id)
    data = csv_bytes(row("Рада", id=authority_id), row("Рада 2", id=authority_id))
    errors = await import_refused(database, clock, data)
    assert errors == ["line 3, column id: duplicate of line 2 (the same id)"]


async def test_unknown_id_is_refused(database: Database, clock: FixedClock) -> None:
    """An id no authority has is refused (a new authority leaves id empty)."""
    await import_authorities(database, csv_bytes(row("Рада")), clock.now())
    missing = str((await by_name(database))["Рада"].id + 1000)
    errors = await import_refused(database, clock, csv_bytes(row("Нова", id=missing)))
    assert errors == [
        f"line 2, column id: there is no authority with id {missing} "
        "(leave id empty to add a new authority)"
    ]


async def test_renaming_onto_another_authoritys_name_is_refused(
    database: Database, clock: FixedClock
) -> None:
    """A row whose id gives it a name another authority keeps is refused, naming that one."""
    await import_authorities(database, csv_bytes(row("Перша"), row("Друга")), clock.now())
    found = await by_name(database)
    data = csv_bytes(row("Друга", id=str(found["Перша"].id)))
    errors = await import_refused(database, clock, data)
    assert errors == [
        f"line 2, column name_uk: authority {found['Друга'].id} already has this name "
        "(rename it in the same file, or use its id)"
    ]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("request_email", "petitions(at)rada.gov.ua", "is not an e-mail address"),
        ("request_email", "info@rada", "is not an e-mail address"),
        ("website", "ftp://rada.gov.ua", "is not a web address"),
        ("public_council_url", "https://", "is not a web address"),
        ("phone", "12345", "is not a valid phone number"),
        ("phone", "+380 12", "is not a valid phone number"),
    ],
)
async def test_bad_contacts_are_refused(
    database: Database, clock: FixedClock, column: str, value: str, message: str
) -> None:
    """E-mail, web addresses and phone numbers are checked, each error naming its column."""
    errors = await import_refused(database, clock, csv_bytes(row(**{column: value})))
    assert len(errors) == 1
    assert errors[0].startswith(f"line 2, column {column}: {value!r} {message}")


async def test_too_long_value_is_refused(database: Database, clock: FixedClock) -> None:
    """A value longer than its column holds is refused with both lengths."""
    errors = await import_refused(database, clock, csv_bytes(row(region="р" * 101)))
    assert errors == ["line 2, column region: too long: 101 characters, at most 100"]


async def test_missing_required_columns_are_named(database: Database, clock: FixedClock) -> None:
    """A header without required columns is refused, naming every missing one."""
    columns = ("name_uk", "name_en", "level", "petition_threshold")
    errors = await import_refused(database, clock, csv_bytes(row(), columns=columns))
    assert errors == [
        "line 1: missing required columns: petition_period_months, petition_period_days"
    ]


async def test_unknown_column_is_refused(database: Database, clock: FixedClock) -> None:
    """A column the format does not know is an error, not silently ignored."""
    errors = await import_refused(
        database, clock, csv_bytes(row(), columns=(*COLUMNS, "head_of_council"))
    )
    assert len(errors) == 1
    assert errors[0].startswith("line 1: unknown column 'head_of_council'")


async def test_semicolon_separated_file_is_explained(database: Database, clock: FixedClock) -> None:
    """A spreadsheet's semicolon-separated "CSV" gets one error saying to use commas."""
    data = csv_bytes(row()).decode().replace(",", ";").encode()
    errors = await import_refused(database, clock, data)
    assert errors == ["line 1: columns must be separated by commas, not semicolons"]


async def test_text_that_is_not_utf8_is_refused(database: Database, clock: FixedClock) -> None:
    """A file in another encoding (here Windows-1251) is refused at the first bad line."""
    data = csv_bytes(row("Рада"), row("Київ")).decode().encode("cp1251")
    errors = await import_refused(database, clock, data)
    assert errors == ["line 2: not UTF-8 text; save the file as CSV UTF-8"]


async def test_empty_file_is_refused(database: Database, clock: FixedClock) -> None:
    """An empty file is an error asking for the header row."""
    errors = await import_refused(database, clock, b"")
    assert len(errors) == 1
    assert errors[0].startswith("line 1: the first line must name the columns")
