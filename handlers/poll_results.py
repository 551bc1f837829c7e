"""A poll's results for the chat: text bars, and the same numbers as a PNG chart.

The caption of the chart is the text (``results_text``), so that the picture and the
words carry the same counts, and a messenger that cannot show the picture shows the
words.
"""

from __future__ import annotations

import asyncio
import io
import textwrap
from collections import OrderedDict

from civic.polls import QuestionCounts, Results
from handlers.texts import Texts
from storage.poll_models import QuestionKind

BAR_WIDTH = 10
_KEPT = 64
_charts: OrderedDict[tuple[object, ...], bytes] = OrderedDict()


def bar(count: int, total: int, width: int = BAR_WIDTH) -> str:
    """``▓▓▓░░░░░░░``: filled in proportion to ``count`` of ``total``, rounded."""
    filled = 0 if total <= 0 else round(width * count / total)
    return "▓" * filled + "░" * (width - filled)


def percent(count: int, total: int) -> int:
    return 0 if total <= 0 else round(100 * count / total)


def results_text(t: Texts, title: str, results: Results) -> str:
    """Every question's counts as bars; a share is of the respondents, so the shares of a
    several-options question may add up to more than 100 %."""
    total = results.respondents
    lines = [
        t._("Results of «{title}»").format(title=title),
        t.ngettext("%(num)d respondent.", "%(num)d respondents.", total) % {"num": total},
    ]
    for number, counted in enumerate(results.questions, start=1):
        lines.append("")
        lines.append(f"{number}. {counted.question.row.text}")
        if counted.question.row.kind is QuestionKind.TEXT:
            lines.append(
                t.ngettext("%(num)d written answer", "%(num)d written answers", counted.texts)
                % {"num": counted.texts}
            )
            continue
        for option in counted.question.options:
            count = counted.counts.get(option.id, 0)
            lines.append(
                f"{bar(count, total)} {percent(count, total)}% · {t.number(count)} — {option.text}"
            )
    return "\n".join(lines)


def draw_results(
    title: str, questions: list[QuestionCounts], total: int, image_format: str = "png"
) -> bytes:
    """The choice questions' counts as bars, one panel a question: a PNG for the chat,
    an SVG for the admin web."""
    # Imported here: matplotlib takes ~0.5 s to import, which only a results view pays.
    from matplotlib.figure import Figure  # the object API needs no pyplot and no display

    heights = [0.6 + 0.35 * len(q.question.options) for q in questions]
    figure = Figure(figsize=(6.4, 0.6 + sum(heights)), dpi=100)
    grid = figure.add_gridspec(len(questions), 1, height_ratios=heights)
    for place, counted in enumerate(questions):
        axes = figure.add_subplot(grid[place])
        options = counted.question.options
        labels = [textwrap.shorten(o.text, 40, placeholder="…") for o in options]
        counts = [counted.counts.get(o.id, 0) for o in options]
        positions = list(range(len(options)))
        axes.barh(positions, counts, color="#1f5fa8")
        axes.set_yticks(positions, labels, fontsize=8)
        axes.invert_yaxis()  # the first option on top, as in the text
        for position, count in zip(positions, counts, strict=True):
            axes.annotate(
                f" {count} ({percent(count, total)}%)",
                (count, position),
                va="center",
                fontsize=8,
            )
        axes.set_xlim(0, max([*counts, 1]) * 1.3)
        axes.set_title(textwrap.shorten(counted.question.row.text, 70, placeholder="…"), fontsize=9)
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(axis="x", labelsize=7)
    figure.suptitle(textwrap.shorten(title, 60, placeholder="…"), fontsize=10)
    figure.tight_layout()
    buffer = io.BytesIO()
    metadata = {"Software": None} if image_format == "png" else {"Date": None}
    figure.savefig(buffer, format=image_format, metadata=metadata)
    return buffer.getvalue()


async def results_chart(poll_id: int, title: str, results: Results) -> bytes | None:
    """The PNG of the choice questions' counts (None when the poll asks only for texts),
    drawn off the event loop and kept for the same counts."""
    questions = [q for q in results.questions if q.question.row.kind is not QuestionKind.TEXT]
    if not questions:
        return None
    key = (
        poll_id,
        title,
        results.respondents,
        *((q.question.row.id, tuple(sorted(q.counts.items()))) for q in questions),
    )
    kept = _charts.get(key)
    if kept is not None:
        _charts.move_to_end(key)
        return kept
    png = await asyncio.to_thread(draw_results, title, questions, results.respondents)
    _charts[key] = png
    while len(_charts) > _KEPT:
        _charts.popitem(last=False)
    return png
