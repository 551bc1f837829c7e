"""``vzayemodiia authorities import|export FILE``: the directory of authorities as CSV."""

from __future__ import annotations

import argparse

from bot.command_support import open_database, read_file, write_file
from bot.csv_command import report_import
from bot.settings import Settings
from civic.authority_directory import export_authorities, import_authorities
from civic.clock import SystemClock


async def run_authorities(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "import":
        return await _import_authorities(settings, args.file)
    return await _export_authorities(settings, args.file)


async def _import_authorities(settings: Settings, file: str) -> int:
    data = read_file(file)
    database = await open_database(settings)
    try:
        report = await import_authorities(database, data, SystemClock().now())
    finally:
        await database.dispose()
    return report_import(file, report, "authorities")


async def _export_authorities(settings: Settings, file: str) -> int:
    database = await open_database(settings)
    try:
        export = await export_authorities(database)
    finally:
        await database.dispose()
    write_file(file, export.text.encode())
    if file == "-":
        return 0
    print(f"Exported {export.count} authorities to {file}.")
    return 0
