"""What the CSV commands (``authorities``, ``organisations``) print after an import."""

from __future__ import annotations

import sys

from civic.csv_rows import ImportReport


def report_import(file: str, report: ImportReport, what: str) -> int:
    """Print an import's outcome: the summary (exit 0), or every problem with its line
    and that nothing was imported (exit 1)."""
    if not report.ok:
        for error in report.errors:
            print(f"{file}: {error}", file=sys.stderr)
        count = len(report.errors)
        print(f"Nothing was imported: {count} error{'' if count == 1 else 's'}.", file=sys.stderr)
        return 1
    print(f"Imported {what}: {report.summary()}.")
    return 0
