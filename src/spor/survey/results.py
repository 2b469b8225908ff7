"""Results of a survey round: per pejlemærke the mean, the distribution over the scale, the
change from the previous round, a bar chart, and a proposed self-assessment level.

**Anonymity.** Figures are shown only for a *closed* round with at least
:data:`MIN_ANSWERS` answers; otherwise the page says "færre end 5 svar" (or that the round
is still open) and shows no figure at all. Showing results while answers still come in would
let the lead read one person's answers from the difference between two visits.

**Levels** (documented in ``docs/survey.md``): a pejlemærke's mean on the 1–5 scale is
*lav* below 2.5, *middel* from 2.5 to below 3.5, and *høj* from 3.5.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from spor.screening.charts import BAR_HEIGHT, BAR_WIDTH, GAP, LABEL_WIDTH, Bar, Chart, Segment
from spor.survey.models import Level, SurveyAnswerSet, SurveyRound

MIN_ANSWERS = 5
LOW_BELOW = 2.5
HIGH_FROM = 3.5

SCALE_FILL = {1: "#b3261e", 2: "#e8836f", 3: "#d9d9d9", 4: "#7fb88f", 5: "#1b7a3a"}
SCALE_INK = {1: "#ffffff", 2: "#1a1a1a", 3: "#1a1a1a", 4: "#1a1a1a", 5: "#ffffff"}


def level_for(mean: float | None) -> str:
    if mean is None:
        return ""
    if mean < LOW_BELOW:
        return Level.LOW
    if mean < HIGH_FROM:
        return Level.MIDDLE
    return Level.HIGH


@dataclass
class ScaleCount:
    value: int
    label: str
    n: int
    share: int  # per cent of the answers on the scale


@dataclass
class BenchmarkResult:
    number: int
    short_title: str
    n: int  # answers on the scale (»Ved ikke« not counted)
    dont_know: int
    mean: float | None
    distribution: list[ScaleCount]
    items: list[tuple[str, float | None]]
    previous_mean: float | None = None

    @property
    def change(self) -> float | None:
        if self.mean is None or self.previous_mean is None:
            return None
        return round(self.mean - self.previous_mean, 2)

    @property
    def level(self) -> str:
        return level_for(self.mean)

    @property
    def level_label(self) -> str:
        return Level(self.level).label if self.level else "–"


@dataclass
class RoundResults:
    round: SurveyRound
    invited: int
    answered: int
    closed: bool
    previous: SurveyRound | None = None
    benchmarks: list[BenchmarkResult] = field(default_factory=list)
    chart: Chart | None = None

    @property
    def shown(self) -> bool:
        return self.closed and self.answered >= MIN_ANSWERS

    @property
    def too_few(self) -> bool:
        return self.answered < MIN_ANSWERS


def _mean(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def summarise(data: dict[str, Any], answer_sets: Sequence[dict[str, Any]]) -> list[BenchmarkResult]:
    scale = {int(k): v for k, v in data["scale"].items()}
    out = []
    for b in data["benchmarks"]:
        values: list[int] = []
        dont_know = 0
        per_item = []
        for item in b["items"]:
            got = [a.get(item["code"]) for a in answer_sets if item["code"] in a]
            item_values = [v for v in got if isinstance(v, int)]
            dont_know += sum(1 for v in got if v is None)
            values.extend(item_values)
            per_item.append((item["text"], _mean(item_values)))
        n = len(values)
        distribution = [
            ScaleCount(v, scale[v], values.count(v), round(100 * values.count(v) / n) if n else 0)
            for v in sorted(scale)
        ]
        out.append(
            BenchmarkResult(
                b["number"], b["short_title"], n, dont_know, _mean(values), distribution, per_item
            )
        )
    return out


def chart(benchmarks: Sequence[BenchmarkResult]) -> Chart:
    """One 100 % bar per pejlemærke, split by the scale (the screening chart's geometry)."""
    bars = []
    for i, b in enumerate(benchmarks):
        y = i * (BAR_HEIGHT + GAP)
        x = float(LABEL_WIDTH)
        segments = []
        for c in b.distribution:
            width = BAR_WIDTH * (c.n / b.n if b.n else 0.0)
            segments.append(
                Segment(
                    str(c.value),
                    c.label,
                    round(x, 1),
                    round(width, 1),
                    c.share,
                    c.n,
                    SCALE_FILL[c.value],
                    SCALE_INK[c.value],
                    "",
                )
            )
            x += width
        bars.append(Bar(f"{b.number}. {b.short_title}", y, y + BAR_HEIGHT // 2 + 5, b.n, segments))
    height = max(1, len(bars)) * (BAR_HEIGHT + GAP)
    return Chart(LABEL_WIDTH + BAR_WIDTH + 10, height, bars, LABEL_WIDTH, BAR_WIDTH, BAR_HEIGHT)


def _answers(rnd: SurveyRound) -> list[dict[str, Any]]:
    return list(SurveyAnswerSet.objects.filter(round=rnd).values_list("answers", flat=True))


def previous_round(rnd: SurveyRound, today: dt.date) -> SurveyRound | None:
    """The latest earlier round of the municipality whose results can be shown."""
    earlier = SurveyRound.objects.filter(
        municipality_id=rnd.municipality_id, opened_on__lte=rnd.opened_on
    ).exclude(pk=rnd.pk)
    for other in earlier.order_by("-opened_on", "-pk"):
        if (other.opened_on, other.pk) >= (rnd.opened_on, rnd.pk):
            continue
        n = SurveyAnswerSet.objects.filter(round=other).count()
        if other.is_closed(today) and n >= MIN_ANSWERS:
            return other
    return None


def for_round(rnd: SurveyRound, today: dt.date | None = None) -> RoundResults:
    today = today or timezone.localdate()
    res = RoundResults(
        round=rnd,
        invited=rnd.invitations.count(),
        answered=SurveyAnswerSet.objects.filter(round=rnd).count(),
        closed=rnd.is_closed(today),
    )
    if not res.shown:
        return res  # no figure leaves this function
    res.benchmarks = summarise(rnd.items, _answers(rnd))
    res.previous = previous_round(rnd, today)
    if res.previous is not None:
        before = {b.number: b.mean for b in summarise(res.previous.items, _answers(res.previous))}
        for b in res.benchmarks:
            b.previous_mean = before.get(b.number)
    res.chart = chart(res.benchmarks)
    return res
