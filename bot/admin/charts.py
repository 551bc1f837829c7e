"""Charts drawn on the server (matplotlib, SVG for the admin pages), each with a text
alternative carrying the same numbers."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime, time


def daily_bars_svg(series: Sequence[tuple[date, int]], *, color: str = "#1f5fa8") -> str:
    """Bars per day as an inline SVG (no scripts, no external references)."""
    # Imported here: matplotlib takes ~0.5 s to import, which no chat event should pay.
    from matplotlib.dates import date2num
    from matplotlib.figure import Figure  # the object API needs no pyplot and no display

    figure = Figure(figsize=(6.4, 2.2), dpi=96)
    axes = figure.add_subplot()
    # matplotlib ships no annotation for date2num; it turns datetimes into floats.
    days = date2num([datetime.combine(day, time()) for day, _ in series])  # type: ignore[no-untyped-call]
    counts = [count for _, count in series]
    axes.bar(days, counts, color=color, width=0.8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
    axes.set_ylim(bottom=0)
    axes.xaxis_date()
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    # The XML prologue and DOCTYPE are not allowed inside HTML.
    return svg[svg.index("<svg") :]
