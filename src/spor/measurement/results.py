"""Before and after, per delivery and informant: scores and bands as stored with each
response, the change, the reliable-change category (:func:`spor.sdq.change_category`) and
the geometry of a small dumbbell chart. Pure functions over saved responses."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from spor import sdq
from spor.measurement import questionnaire
from spor.measurement.models import Informant, MeasurementRequest, Phase, Response

SCALES = [
    ("total", "Samlet vanskelighedsscore", 40),
    ("emotional", "Følelsesmæssige symptomer", 10),
    ("conduct", "Adfærdsproblemer", 10),
    ("hyperactivity", "Hyperaktivitet/opmærksomhed", 10),
    ("peer", "Problemer med jævnaldrende", 10),
    ("prosocial", "Prosocial adfærd", 10),
    ("impact", "Påvirkning", 10),
]
INFORMANT_ORDER = [Informant.PARENT, Informant.TEACHER, Informant.PROFESSIONAL, Informant.SELF]

# Chart geometry (SVG user units).
CHART_W, LEFT, RIGHT, ROW_H, TOP = 640, 190, 20, 34, 26


@dataclass
class Cell:
    value: int | None
    band: str
    band_label: str


@dataclass
class Row:
    name: str
    label: str
    before: Cell | None
    after: Cell | None

    @property
    def change(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        if self.before.value is None or self.after.value is None:
            return None
        return self.after.value - self.before.value


@dataclass
class InformantResult:
    informant: str
    label: str
    before: Response | None
    after: Response | None
    rows: list[Row]
    norm_ref: str
    norm_title: str
    category: str = ""
    category_label: str = ""
    rci: float | None = None
    rci_parameters: str = ""
    note: str = ""

    @property
    def total(self) -> Row:
        return self.rows[0]


@dataclass
class ChartRow:
    label: str
    y: float
    x_before: float | None
    x_after: float | None
    before: int | None
    after: int | None
    normal_to: float | None

    @property
    def band_y(self) -> float:
        return self.y - 11

    def normal_width(self, left: float) -> float | None:
        return None if self.normal_to is None else round(self.normal_to - left, 1)


@dataclass
class Chart:
    width: int
    height: int
    rows: list[ChartRow]
    ticks: list[tuple[float, int]]
    left: int
    right: float
    description: str

    @property
    def label_x(self) -> int:
        return self.left - 8

    @property
    def bands(self) -> list[tuple[float, float]]:
        """(y, width) of each row's normal range."""
        out = []
        for r in self.rows:
            w = r.normal_width(self.left)
            if w is not None:
                out.append((r.band_y, w))
        return out


@dataclass
class DeliveryResults:
    delivery: Any
    informants: list[InformantResult]
    requests: list[MeasurementRequest] = field(default_factory=list)
    chart: Chart | None = None

    @property
    def norm_titles(self) -> list[str]:
        return sorted({r.norm_title for r in self.informants})


def _cell(response: Response | None, name: str) -> Cell | None:
    if response is None:
        return None
    s = response.scores or {}
    value = s.get(name)
    band = s.get(f"{name}_band") or ""
    return Cell(value, band, questionnaire.band_label(response.norm_set, band))


def _normal_upper(informant: str, ref: str) -> int | None:
    """The highest total difficulties score inside the normal range of a norm set."""
    if not ref:
        return None
    try:
        ns = sdq.load_norm_set(ref.split("@", 1)[0])
        bands = sdq.band(np.arange(41), ns, informant=informant, scale="total")
    except sdq.SDQError:
        return None
    inside = [v for v in range(41) if int(bands[v]) in ns.normal_bands]
    return max(inside) if inside else None


def informant_result(
    informant: str, before: Response | None, after: Response | None
) -> InformantResult:
    ref = (before or after).norm_set if (before or after) else ""  # type: ignore[union-attr]
    rows = [Row(n, label, _cell(before, n), _cell(after, n)) for n, label, _ in SCALES]
    res = InformantResult(
        informant=informant,
        label=str(Informant(informant).label),
        before=before,
        after=after,
        rows=rows,
        norm_ref=ref,
        norm_title=questionnaire.norm_set_title(ref),
    )
    if before is None or after is None:
        return res
    if before.norm_set != after.norm_set:
        res.note = "Før og efter er båndet med forskellige normsæt; ændringen vurderes ikke."
        return res
    b, a = before.scores.get("total"), after.scores.get("total")
    if b is None or a is None or not ref:
        res.note = "Ændringen kan ikke vurderes (total mangler eller intet normsæt)."
        return res
    sdq_inf = questionnaire.sdq_informant(before.form)
    try:
        cat, rci, params = _reliable_change(b, a, sdq_inf, ref.split("@", 1)[0])
    except sdq.SDQError:
        res.note = f"Normsættet {ref} giver ikke grundlag for pålidelig ændring."
        return res
    if cat >= 0:
        res.category = sdq.CHANGE_CATEGORIES[cat]
        res.category_label = sdq.CHANGE_LABELS_DA[cat]
    res.rci = None if math.isnan(rci) else round(rci, 2)
    res.rci_parameters = params
    return res


@lru_cache(maxsize=4096)
def _reliable_change(
    before: int, after: int, informant: str, norm_set: str
) -> tuple[int, float, str]:
    """The change category, the RCI and its parameters' label for one pair of total scores.
    The engine works on arrays, and for a single pair setting it up is most of the cost; the
    case page asks for the same few pairs (scores 0–40, a few norm sets) again and again, and
    the norm sets do not change under a running process. An error is not kept."""
    cat = sdq.change_category(
        [before], [after], informant=informant, scale="total", norm_set=norm_set
    )
    rci = sdq.reliable_change(
        [before], [after], informant=informant, scale="total", norm_set=norm_set
    )
    return int(cat[0]), float(rci[0]), sdq.rci_details(informant, "total", norm_set).label_da()


def chart(informants: list[InformantResult]) -> Chart | None:
    """A dumbbell per informant: total difficulties before (open circle) and after (filled),
    on a 0–40 axis, with the norm set's normal range shaded."""
    shown = [r for r in informants if r.total.before or r.total.after]
    if not shown:
        return None
    span = CHART_W - LEFT - RIGHT

    def x(v: int | None) -> float | None:
        return None if v is None else round(LEFT + span * v / 40, 1)

    rows: list[ChartRow] = []
    words: list[str] = []
    for i, r in enumerate(shown):
        b = r.total.before.value if r.total.before else None
        a = r.total.after.value if r.total.after else None
        upper = None
        if r.norm_ref and (r.before or r.after):
            upper = _normal_upper(
                questionnaire.sdq_informant((r.before or r.after).form),  # type: ignore[union-attr]
                r.norm_ref,
            )
        rows.append(
            ChartRow(
                r.label,
                TOP + i * ROW_H + ROW_H / 2,
                x(b),
                x(a),
                b,
                a,
                x(upper + 1) if upper is not None else None,
            )
        )
        words.append(
            f"{r.label}: før {b if b is not None else 'mangler'}, "
            f"efter {a if a is not None else 'mangler'}"
        )
    height = TOP + len(rows) * ROW_H + 10
    ticks = [(float(LEFT + span * t / 40), t) for t in (0, 10, 20, 30, 40)]
    return Chart(
        width=CHART_W,
        height=height,
        rows=rows,
        ticks=ticks,
        left=LEFT,
        right=float(CHART_W - RIGHT),
        description="Samlet vanskelighedsscore (0–40, lavere er bedre). " + "; ".join(words) + ".",
    )


def delivery_results(
    delivery: Any, responses: Iterable[Response], requests: Iterable[MeasurementRequest] = ()
) -> DeliveryResults:
    by: dict[tuple[str, str], Response] = {}
    for r in responses:
        by[(r.informant, r.phase)] = r
    informants = [
        informant_result(i, by.get((i, Phase.BEFORE)), by.get((i, Phase.AFTER)))
        for i in INFORMANT_ORDER
        if (i, Phase.BEFORE) in by or (i, Phase.AFTER) in by
    ]
    return DeliveryResults(
        delivery=delivery, informants=informants, requests=list(requests), chart=chart(informants)
    )
