"""Inline SVG for the investment case, drawn as data for the template (like
:mod:`spor.evaluation.web.figures`): a sensitivity (tornado) chart and net result per year
with the cumulated net. Every chart carries a Danish text description."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from spor.evaluation import economics
from spor.lib import danish
from spor.lib.svg import Rect, Scale


def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."


def _pp(share: float) -> str:
    """A share as Danish percentage points: 0.052 → '5,2 procentpoint'."""
    return f"{danish.number(100 * share, 1)} procentpoint"


kr = danish.kroner  # kroner, Danish style: thousands with a dot, a real minus; '–' for none


@dataclass
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass
class Svg:
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    points: str = ""
    description: str = ""


W = 640
LABEL_W = 260
ROW_H = 34


def tornado(rows: Sequence[economics.SensitivityRow], delta: float = 0.2) -> Svg:
    """One row per input: a bar from the NPV at −20 % to the NPV at +20 %, around the base."""
    values = [v for r in rows for v in (r.npv_low_input, r.npv_high_input, r.npv_base)]
    lo, hi = min([*values, 0.0]), max([*values, 0.0])
    left, right = LABEL_W, W - 20
    height = 40 + ROW_H * len(rows) + 20
    x = Scale(lo, hi, left, right)

    svg = Svg(W, height)
    base = rows[0].npv_base if rows else 0.0
    svg.lines.append((x(base), 24, x(base), height - 14))
    svg.texts.append(Text(x(base), 16, f"Grundberegning {kr(base)}", "middle"))
    if lo < 0 < hi:
        svg.lines.append((x(0), 24, x(0), height - 14))
    parts = []
    for i, r in enumerate(rows):
        y = 32 + i * ROW_H
        for value, kind in ((r.npv_low_input, "low"), (r.npv_high_input, "high")):
            a, b = sorted((x(base), x(value)))
            svg.rects.append(Rect(a, y, max(b - a, 1.0), ROW_H - 12, kind))
        svg.texts.append(Text(8, y + 15, r.label_da))
        if r.low_input is not None and r.high_input is not None:
            parts.append(
                f"{r.label_da}: {kr(r.npv_low_input)} ved {_pp(r.low_input)} og "
                f"{kr(r.npv_high_input)} ved {_pp(r.high_input)}"
            )
        else:
            parts.append(
                f"{r.label_da}: {kr(r.npv_low_input)} ved −{delta:.0%} og "
                f"{kr(r.npv_high_input)} ved +{delta:.0%}".replace("%", " %")
            )
    svg.texts.append(Text(left, height - 2, kr(lo), "start"))
    svg.texts.append(Text(right, height - 2, kr(hi), "end"))
    svg.description = (
        f"Følsomhed: nutidsværdien af nettoresultatet, når én antagelse ad gangen er "
        f"{delta:.0%} lavere (lys søjle) eller højere (mørk søjle); en effekt med et interval "
        f"går fra intervallets nedre til dets øvre grænse. Grundberegningen er "
        f"{kr(base)} ".replace("%", " %")
        + _sentence("; ".join(parts))
    )
    return svg


def net_per_year(case: economics.InvestmentCase) -> Svg:
    """Net result per year (bars, undiscounted, all purses) and the cumulated discounted net
    (line)."""
    years = case.years
    nets = [y.net_total for y in years]
    cums = [y.cumulated_discounted_total for y in years]
    lo, hi = min([*nets, *cums, 0.0]), max([*nets, *cums, 0.0])
    height, top, bottom, left, right = 240, 14, 30, 90, W - 10
    slot = (right - left) / len(years)
    y = Scale(lo, hi, height - bottom, top)  # upward

    svg = Svg(W, height)
    zero = y(0.0)
    svg.lines.append((left, zero, right, zero))
    for i, (r, net) in enumerate(zip(years, nets, strict=True)):
        a, b = sorted((zero, y(net)))
        svg.rects.append(
            Rect(
                round(left + i * slot + slot * 0.2, 1),
                a,
                round(slot * 0.6, 1),
                max(b - a, 1.0),
                "plus" if net >= 0 else "minus",
                f"År {r.year}: {kr(net)}",
            )
        )
        svg.texts.append(
            Text(round(left + i * slot + slot / 2, 1), height - 10, f"År {r.year}", "middle")
        )
    svg.points = " ".join(
        f"{round(left + i * slot + slot / 2, 1)},{y(c)}" for i, c in enumerate(cums)
    )
    svg.texts.append(Text(left - 6, y(hi) + 4, kr(hi), "end"))
    svg.texts.append(Text(left - 6, y(lo) + 4, kr(lo), "end"))
    svg.description = _sentence(
        "Nettoresultat pr. år for alle kasser (søjler, ikke tilbagediskonteret) og det "
        "akkumulerede tilbagediskonterede nettoresultat (linje): "
        + "; ".join(
            f"år {r.year}: {kr(n)}, akkumuleret {kr(c)}"
            for r, n, c in zip(years, nets, cums, strict=True)
        )
    )
    return svg
