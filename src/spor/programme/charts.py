"""Horizontal bar charts as inline SVG geometry, drawn by ``programme_tags.bar_charts``.

No JavaScript and no library, as in :mod:`spor.screening.charts`: one bar per category, its
count written next to it, and the same figures in a table (the chart's text alternative).
Bars are scaled to the largest count; the share is of all initiatives shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spor.lib import svg

LABEL_WIDTH = 320
BAR_WIDTH = 340
BAR_HEIGHT = 22
GAP = 8
VALUE_WIDTH = 90
FILL = "#0b4f8a"
ROWS = svg.Rows(BAR_HEIGHT, GAP)


@dataclass(frozen=True)
class Bar:
    label: str
    n: int
    share: int
    y: int
    text_y: int
    width: float

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bar_height: int
    fill: str
    bars: list[Bar]


def bar_chart(rows: Sequence[tuple[str, int]], total: int) -> BarChart:
    top = max((n for _, n in rows), default=0)
    bars = []
    for i, (label, n) in enumerate(rows):
        width = svg.length(n, top, BAR_WIDTH)
        share = round(100 * n / total) if total else 0
        bars.append(Bar(label, n, share, ROWS.y(i), ROWS.text_y(i), width))
    height = ROWS.height(len(bars))
    return BarChart(
        LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH, height, LABEL_WIDTH, BAR_HEIGHT, FILL, bars
    )
