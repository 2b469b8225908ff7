"""The geometry of Spor's inline SVG charts, drawn by templates with no JavaScript and no
library: rectangles, a linear scale from values to pixels, rows of horizontal bars. Pure:
imports no Django. Each chart says in text what it shows (its ``description``) and has its
figures in a table beside it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Rect:
    """A bar: its corner, size, a CSS class (``kind``) and a title (``label``)."""

    x: float
    y: float
    width: float
    height: float
    kind: str = ""
    label: str = ""


@dataclass(frozen=True)
class Scale:
    """Values from ``lo`` to ``hi`` onto pixels from ``start`` to ``end`` (``end`` may be the
    smaller: an upward y axis), rounded to a tenth. An empty range counts as 1 wide.

    >>> x = Scale(-100, 300, 260, 620)
    >>> x(-100), x(0), x(300)
    (260.0, 350.0, 620.0)
    >>> Scale(0, 50, 210, 14)(50)
    14.0
    """

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = (self.hi - self.lo) or 1.0
        return round(self.start + (value - self.lo) / span * (self.end - self.start), 1)


@dataclass(frozen=True)
class Rows:
    """Rows of horizontal bars, one under the other.

    >>> rows = Rows(bar_height=22, gap=8)
    >>> rows.y(2), rows.text_y(2), rows.height(3), rows.height(0)
    (60, 76, 90, 30)
    """

    bar_height: int
    gap: int

    def y(self, i: int) -> int:
        return i * (self.bar_height + self.gap)

    def text_y(self, i: int) -> int:
        """Where the text beside bar ``i`` sits (its baseline, about centred)."""
        return self.y(i) + self.bar_height // 2 + 5

    def height(self, n: int) -> int:
        """The chart's height for ``n`` bars (one row when there are none)."""
        return max(1, n) * (self.bar_height + self.gap)


def length(value: float, top: float, full: float) -> float:
    """A bar's length: ``value`` of ``top`` on ``full`` pixels; 0 when ``top`` is 0.

    >>> length(5, 20, 340), length(3, 0, 340)
    (85.0, 0.0)
    """
    return round(full * value / top, 1) if top else 0.0
