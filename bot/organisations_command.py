"""``vzayemodiia organisations import|export FILE``: the stakeholder base as CSV (the
format: ``civic.organisations``)."""

from __future__ import annotations

import argparse

from bot.command_support import open_database, read_file, write_file
from bot.csv_command import report_import
from bot.settings import Settings
from civic.audit import Actor, record
from civic.clock import SystemClock
from civic.organisations import export_file, import_organisations


def add_organisations_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    organisations = commands.add_parser(
        "organisations", help="import or export the civil-society organisations as CSV"
    )
    actions = organisations.add_subparsers(dest="action", required=True, metavar="ACTION")
    importing = actions.add_parser(
        "import", help="create or update organisations from a CSV file (all or nothing)"
    )
    importing.add_argument("file", metavar="FILE", help="UTF-8 CSV file, or - for standard input")
    exporting = actions.add_parser("export", help="write every organisation to a CSV file")
    exporting.add_argument(
        "file", metavar="FILE", help="CSV file to write, or - for standard output"
    )


async def run_organisations(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "import":
        return await _import(settings, args.file)
    return await _export(settings, args.file)


async def _import(settings: Settings, file: str) -> int:
    data = read_file(file)
    database = await open_database(settings)
    now = SystemClock().now()
    try:
        async with database.transaction() as session:
            report = await import_organisations(session, data, now)
            if report.ok:
                record(
                    session,
                    Actor(None, "command line"),
                    action="organisations_import",
                    object_type="organisations",
                    object_id=None,
                    now=now,
                    after={
                        "file": file,
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                    },
                )
    finally:
        await database.dispose()
    return report_import(file, report, "organisations")


async def _export(settings: Settings, file: str) -> int:
    database = await open_database(settings)
    try:
        text, count = await export_file(database)
    finally:
        await database.dispose()
    write_file(file, text.encode())
    if file != "-":
        print(f"Exported {count} organisations to {file}.")
    return 0
