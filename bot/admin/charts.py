"""Charts drawn on the server (matplotlib, SVG for the admin pages), each with a text
alternative carrying the same numbers."""

from __future__ import annotations

import io
import time as time_module
from collections.abc import Awaitable, Callable, Hashable, Sequence
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


Series = list[tuple[date, int]]


class RecentCharts:
    """Signature curves and their SVG, kept in this process for ``ttl`` seconds.

    Counting a month of signatures per Kyiv day reads every signature of the month (742k
    rows in bench/admin_pages.py, 230 ms), and drawing the SVG costs matplotlib 50-80 ms:
    a chart a minute old is good enough for a dashboard, while the counts shown beside it
    come from the live tally."""

    def __init__(
        self,
        ttl: float = 60.0,
        size: int = 256,
        monotonic: Callable[[], float] = time_module.monotonic,
    ) -> None:
        self.ttl = ttl
        self.size = size
        self.monotonic = monotonic
        self._kept: dict[Hashable, tuple[float, Series, str | None]] = {}

    async def get(
        self, key: Hashable, count: Callable[[], Awaitable[Series]]
    ) -> tuple[Series, str | None]:
        """The series and its chart (None for an empty series), counted and drawn when
        missing or older than ``ttl``."""
        now = self.monotonic()
        kept = self._kept.get(key)
        if kept is not None and now - kept[0] < self.ttl:
            return kept[1], kept[2]
        series = await count()
        chart = daily_bars_svg(series) if series else None
        if len(self._kept) >= self.size:
            self._kept = {k: v for k, v in self._kept.items() if now - v[0] < self.ttl}
            if len(self._kept) >= self.size:
                self._kept.clear()
        self._kept[key] = (now, series, chart)
        return series, chart
