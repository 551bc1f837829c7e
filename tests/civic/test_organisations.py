"""The stakeholder base's rules: the EDRPOU check digit on hand-worked codes, a form's
checks with their reasons, and the CSV file both ways, all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.clock import FixedClock
from civic.csv_rows import RowProblem
from civic.organisation_demo import ORGANISATIONS, ensure_demo_organisations
from civic.organisations import (
    COLUMNS,
    SavedOrganisation,
    edrpou_check_digit,
    export_organisations,
    import_organisations,
    save_organisation,
    valid_edrpou,
)
from storage.db import Database
from storage.organisation_models import Organisation

HEADER = ",".join(COLUMNS)


def test_the_check_digit_follows_the_registers_rule() -> None:
    """Hand-worked: 1,4,3,6,0,5,7 weighed 1..7 is 1+8+9+24+0+30+49 = 121, 0 modulo 11
    (PrivatBank, 14360570); 3412345 lies in the 30-60 million range and is weighed
    7,1..6: 21+4+2+6+12+20+30 = 95, 7 modulo 11 (34123457); 0000009: 63, 8 modulo 11;
    0000003: 21, 10 modulo 11, so the weights plus two: 27, 5 modulo 11."""
    assert edrpou_check_digit("1436057") == 0
    assert edrpou_check_digit("3412345") == 7
    assert edrpou_check_digit("0000009") == 8
    assert edrpou_check_digit("0000003") == 5
    assert valid_edrpou("14360570")
    assert valid_edrpou("00032129")  # Oschadbank
    assert valid_edrpou("21560766")  # Ukrposhta
    assert not valid_edrpou("14360571")
    assert not valid_edrpou("1436057")
    assert not valid_edrpou("1436057a")
    assert all(valid_edrpou(demo.edrpou) for demo in ORGANISATIONS)


def _form(**fields: str) -> dict[str, str]:
    cells = {
        "name": "ГО «Чисте місто»",
        "edrpou": "14360570",
        "region": "Київ",
        "contacts": "info@chyste.example.org",
        "registered_on": "2018-04-02",
        "verified": "no",
    }
    return {**cells, **fields}


@pytest.mark.parametrize(
    ("fields", "column", "reason"),
    [
        ({"name": "Г"}, "name", "too short"),
        ({"edrpou": "1436057"}, "edrpou", "is not an EDRPOU code of eight digits"),
        ({"edrpou": "14360571"}, "edrpou", "its last digit does not check"),
        ({"registered_on": "02.04.2018"}, "registered_on", "YYYY-MM-DD"),
        ({"registered_on": "2031-01-01"}, "registered_on", "is in the future"),
        ({"contacts": "x" * 501}, "contacts", "too long"),
        ({"verified": "maybe"}, "verified", "is not yes or no"),
    ],
    ids=["name", "code-shape", "check-digit", "date-shape", "future", "contacts", "verified"],
)
async def test_a_form_is_refused_with_the_reason_and_nothing_saved(
    database: Database, clock: FixedClock, fields: dict[str, str], column: str, reason: str
) -> None:
    """Each bad field is refused naming its column and why, and no organisation is made."""
    async with database.transaction() as session:
        saved = await save_organisation(session, None, _form(**fields), clock.now())
    assert not isinstance(saved, SavedOrganisation)
    assert [(problem.column, reason in problem.message) for problem in saved] == [(column, True)]
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == 0


async def test_a_code_belongs_to_one_organisation(database: Database, clock: FixedClock) -> None:
    """A second organisation with a code already held is refused naming the holder; the
    holder itself is edited freely, its fields before and after returned for the audit."""
    async with database.transaction() as session:
        first = await save_organisation(session, None, _form(), clock.now())
    assert isinstance(first, SavedOrganisation)
    async with database.transaction() as session:
        second = await save_organisation(session, None, _form(name="Інша організація"), clock.now())
        edited = await save_organisation(
            session, first.organisation.id, _form(verified="yes"), clock.now()
        )
    assert isinstance(second, list)
    assert [problem.values for problem in second] == [{"id": first.organisation.id}]
    assert isinstance(edited, SavedOrganisation)
    assert edited.before is not None
    assert (edited.before["verified"], edited.after["verified"]) == (False, True)


async def test_export_then_import_changes_nothing(database: Database, clock: FixedClock) -> None:
    """The demo organisations exported and imported back: every row unchanged."""
    async with database.transaction() as session:
        await ensure_demo_organisations(session, clock.now())
        text, count = await export_organisations(session)
    assert count == len(ORGANISATIONS)
    assert text.splitlines()[0] == HEADER
    async with database.transaction() as session:
        report = await import_organisations(session, text.encode("utf-8-sig"), clock.now())
    assert (report.ok, report.created, report.updated, report.unchanged) == (
        True,
        0,
        0,
        len(ORGANISATIONS),
    )


async def test_an_import_adds_by_code_and_updates_by_code_or_id(
    database: Database, clock: FixedClock
) -> None:
    """A known code updates its organisation, an id updates that one, a new code adds."""
    async with database.transaction() as session:
        demo, _added = await ensure_demo_organisations(session, clock.now())
    known, by_id = demo[0], demo[1]
    data = "\n".join(
        [
            "name,edrpou,verified,id",
            f"Нова назва,{known.edrpou},no,",
            f"Перейменована,{by_id.edrpou},yes,{by_id.id}",
            "БФ «Нові крила»,00032129,yes,",
        ]
    ).encode()
    async with database.transaction() as session:
        report = await import_organisations(session, data, clock.now())
    assert (report.ok, report.created, report.updated) == (True, 1, 2)
    async with database.transaction() as session:
        names = {
            o.edrpou: (o.name, o.verified) for o in await session.scalars(select(Organisation))
        }
    assert names[known.edrpou] == ("Нова назва", False)
    assert names[by_id.edrpou] == ("Перейменована", True)
    assert names["00032129"] == ("БФ «Нові крила»", True)


async def test_a_file_with_bad_rows_writes_nothing_and_names_each_line(
    database: Database, clock: FixedClock
) -> None:
    """Bad rows anywhere: every problem with its line and column, and not one row written
    (not even the good ones)."""
    data = "\n".join(
        [
            "name,edrpou,registered_on",
            "ГО «Добра»,14360570,2019-01-01",
            "ГО «Друга»,14360571,2019-01-01",
            "ГО «Третя»,14360570,",
            "Г,21560766,2019-13-01",
        ]
    ).encode()
    async with database.transaction() as session:
        report = await import_organisations(session, data, clock.now())
    assert not report.ok
    assert [(problem.line, problem.column) for problem in report.errors] == [
        (3, "edrpou"),
        (4, "edrpou"),
        (5, "name"),
        (5, "registered_on"),
    ]
    assert "duplicate of line 2" in report.errors[1].message
    assert isinstance(report.errors[0], RowProblem)
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == 0


async def test_the_demo_organisations_are_added_once(database: Database, clock: FixedClock) -> None:
    """Seeding twice adds them the first time only, all verified."""
    async with database.transaction() as session:
        first, added = await ensure_demo_organisations(session, clock.now())
        _again, added_again = await ensure_demo_organisations(session, clock.now())
    assert (added, added_again) == (len(ORGANISATIONS), 0)
    assert all(organisation.verified for organisation in first)
