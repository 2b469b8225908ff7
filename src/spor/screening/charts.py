"""Server-rendered charts: the geometry of an inline SVG, drawn by a template.

No JavaScript and no library: a stacked 100 % bar per round (green, yellow, red), each
segment also labelled with its share in text, and the same figures in a table next to it
(the chart's text alternative).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spor.lib import svg
from spor.screening import areas

LABEL_WIDTH = 210
BAR_WIDTH = 440
BAR_HEIGHT = 26
GAP = 12
FILL = {areas.GREEN: "#1b7a3a", areas.YELLOW: "#f2c230", areas.RED: "#b3261e"}
INK = {areas.GREEN: "#ffffff", areas.YELLOW: "#1a1a1a", areas.RED: "#ffffff"}
ROWS = svg.Rows(BAR_HEIGHT, GAP)
PATTERN = {areas.GREEN: "", areas.YELLOW: "url(#spor-stribe)", areas.RED: "url(#spor-prik)"}


@dataclass
class Segment:
    colour: str
    label: str
    x: float
    width: float
    share: float
    n: int
    fill: str
    ink: str
    pattern: str

    @property
    def text_x(self) -> float:
        return self.x + self.width / 2

    @property
    def show_text(self) -> bool:
        return self.width >= 34


@dataclass
class Bar:
    label: str
    y: int
    text_y: int
    n: int
    segments: list[Segment]


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    label_width: int
    bar_width: int
    bar_height: int


def stacked_bars(points: Sequence[Any]) -> Chart:
    """One bar per :class:`spor.screening.selectors.TrendPoint`."""
    bars = []
    for i, p in enumerate(points):
        total = p.counts.rated
        x = float(LABEL_WIDTH)
        segments = []
        for colour in areas.COLOURS:
            n = getattr(p.counts, colour)
            share = 100 * n / total if total else 0.0
            width = BAR_WIDTH * share / 100
            segments.append(
                Segment(
                    colour,
                    areas.COLOUR_LABELS[colour],
                    round(x, 1),
                    round(width, 1),
                    round(share),
                    n,
                    FILL[colour],
                    INK[colour],
                    PATTERN[colour],
                )
            )
            x += width
        bars.append(Bar(p.round.name, ROWS.y(i), ROWS.text_y(i), total, segments))
    height = ROWS.height(len(bars))
    return Chart(LABEL_WIDTH + BAR_WIDTH + 10, height, bars, LABEL_WIDTH, BAR_WIDTH, BAR_HEIGHT)
