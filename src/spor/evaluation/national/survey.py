"""The staff survey across a programme's municipalities: for the programme's administrators
and evaluators (issue 17, item 8). Aggregates only, municipalities by the evaluation's
keyed pseudonym, never a round's name (a lead may have written the municipality's in it)
and never one person's answers.

Per participating municipality its latest *closed* round is read (an open round's figures
could be differenced visit by visit, as on the lead's page). Then the evaluation's rules:

* a municipality whose round has fewer than :data:`~spor.survey.results.MIN_ANSWERS` (5)
  respondents shows no figure (the lead's own page shows none either);
* the respondents per municipality, with their total, are published through
  :func:`spor.evaluation.disclosure.suppress` (1–4 hidden, and secondary suppression so a
  hidden count cannot be worked out from the total): a municipality whose count is hidden
  shows no mean either;
* the programme's pooled figures per pejlemærke are over the shown municipalities only, so
  the pooled and the shown figures cannot be differenced down to a hidden one.

All is read inside :func:`spor.programme.access.national_context` and evaluated into lists
there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from spor.evaluation import disclosure
from spor.evaluation.national.access import EvaluatorActor, municipality_pseudonym
from spor.programme.access import national_context
from spor.survey.models import Level, SurveyAnswerSet, SurveyRound
from spor.survey.results import MIN_ANSWERS, BenchmarkResult, level_for, summarise


@dataclass
class MunicipalityRow:
    pseudonym: str
    period: str  # the half-year the round closed in, e.g. "2. halvår 2026"
    respondents: int | None  # None: hidden
    means: list[float | None] = field(default_factory=list)  # per pejlemærke, in order

    @property
    def shown(self) -> bool:
        return self.respondents is not None and self.respondents >= MIN_ANSWERS


@dataclass
class PooledRow:
    number: int
    short_title: str
    n_answers: int
    mean: float | None
    shares: list[int]  # per cent per scale value 1–5

    @property
    def level_label(self) -> str:
        level = level_for(self.mean)
        return Level(level).label if level else "–"


@dataclass
class ProgrammeSurvey:
    benchmarks: list[tuple[int, str]]
    rows: list[MunicipalityRow]
    pooled: list[PooledRow]
    scale: list[str]
    total_respondents: int | None
    shown_municipalities: int
    participating: int


def _half(day: Any) -> str:
    return f"{1 if day.month <= 6 else 2}. halvår {day.year}"


def for_programme(eactor: EvaluatorActor) -> ProgrammeSurvey:
    today = timezone.localdate()
    programme_id = eactor.programme.pk
    with national_context(eactor):
        from spor.programme.access import participating_municipalities

        participating = participating_municipalities(eactor)
        latest: dict[int, SurveyRound] = {}
        for rnd in SurveyRound.objects.filter(municipality_id__in=participating).order_by(
            "municipality_id", "-opened_on", "-pk"
        ):
            if rnd.municipality_id not in latest and rnd.is_closed(today):
                latest[rnd.municipality_id] = rnd
        answers: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for round_id, given in SurveyAnswerSet.objects.filter(
            round_id__in=[r.pk for r in latest.values()]
        ).values_list("round_id", "answers"):
            answers[round_id].append(given)
    # Only aggregates from here on.
    ordered = sorted(latest.items(), key=lambda kv: municipality_pseudonym(programme_id, kv[0]))
    counts = [len(answers[rnd.pk]) for _, rnd in ordered]
    published: Any = disclosure.suppress(counts, threshold=MIN_ANSWERS) if counts else None
    benchmarks: list[tuple[int, str]] = []
    scale: list[str] = []
    rows: list[MunicipalityRow] = []
    pooled_sets: dict[int, list[dict[str, Any]]] = defaultdict(list)  # by pejlemærke number
    items_of: dict[int, Any] = {}
    for index, (mid, rnd) in enumerate(ordered):
        shown_count = published.values[index] if published is not None else None
        row = MunicipalityRow(
            municipality_pseudonym(programme_id, mid),
            _half(rnd.closed_on or rnd.closes_on),
            shown_count,
        )
        if row.shown:
            results = summarise(rnd.items, answers[rnd.pk])
            for b in results:
                if (b.number, b.short_title) not in benchmarks:
                    benchmarks.append((b.number, b.short_title))
            by_number = {b.number: b for b in results}
            row.means = [by_number[n].mean if n in by_number else None for n, _ in benchmarks]
            for b in rnd.items.get("benchmarks", []):
                items_of.setdefault(b["number"], b)
            for given in answers[rnd.pk]:
                for b in rnd.items.get("benchmarks", []):
                    pooled_sets[b["number"]].append(
                        {i["code"]: given.get(i["code"]) for i in b["items"] if i["code"] in given}
                    )
            scale = scale or [
                v for _, v in sorted((int(k), v) for k, v in rnd.items["scale"].items())
            ]
        rows.append(row)
    width = len(benchmarks)
    for row in rows:
        row.means = (row.means + [None] * width)[:width] if row.shown else [None] * width
    pooled: list[PooledRow] = []
    for number, title in benchmarks:
        data = {
            "scale": {str(i + 1): label for i, label in enumerate(scale)},
            "benchmarks": [items_of[number]],
        }
        result: BenchmarkResult = summarise(data, pooled_sets[number])[0]
        pooled.append(
            PooledRow(
                number,
                title,
                result.n,
                result.mean,
                [c.share for c in result.distribution],
            )
        )
    total = published.values[-1] if published is not None else None
    return ProgrammeSurvey(
        benchmarks=benchmarks,
        rows=rows,
        pooled=pooled,
        scale=scale,
        total_respondents=total,
        shown_municipalities=sum(1 for r in rows if r.shown),
        participating=len(participating),
    )
