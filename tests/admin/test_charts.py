"""The admin pages' signature curves are counted and drawn once a minute at most."""

from __future__ import annotations

from datetime import date

from bot.admin.charts import RecentCharts, Series


async def test_a_curve_is_kept_for_its_ttl_then_counted_again() -> None:
    """Within the minute the same key is not counted again; after it, it is; an empty
    series has no chart."""
    ticks = [0.0]
    charts = RecentCharts(ttl=60.0, monotonic=lambda: ticks[0])
    counted: list[int] = []

    async def count() -> Series:
        counted.append(1)
        return [(date(2026, 12, 1), len(counted))]

    series, chart = await charts.get("k", count)
    assert series == [(date(2026, 12, 1), 1)]
    assert chart is not None
    assert chart.startswith("<svg")
    ticks[0] = 59.0
    assert (await charts.get("k", count))[0] == [(date(2026, 12, 1), 1)]
    ticks[0] = 60.0
    assert (await charts.get("k", count))[0] == [(date(2026, 12, 1), 2)]

    async def nothing() -> Series:
        return []

    assert await charts.get("empty", nothing) == ([], None)
