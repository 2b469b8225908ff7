"""The programme evaluator's one read across municipalities: the SDQ responses behind the
evaluation figures in every participating municipality, as the rows that
:func:`spor.evaluation_web.figures.compute` takes, each with the municipality, the
intervention's type and level, and the pejlemærker its initiatives serve.

Read in :func:`~spor.programme.access.national_context` (the rows of every participating
municipality, past row-level security), always filtered by the evaluated programme's
participations, and evaluated into lists inside the block. Nothing about a child leaves
this module but the fields the figures need: no name, no CPR number, no child or case id
(the delivery id stays here, to pair before with after, and never reaches a page).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from spor.evaluation_web.selectors import Row
from spor.measurement.models import Response
from spor.programme.access import national_context
from spor.programme.models import (
    Benchmark,
    InitiativeBenchmark,
    InitiativeIntervention,
    Programme,
    ProgrammeParticipation,
)


@dataclass(frozen=True)
class Cut:
    """What the evaluator narrows by in the query; age group and period are about the
    baseline, so :func:`~spor.evaluation_web.figures.compute` applies them per delivery."""

    informant: str
    kind: str = ""
    level: str = ""


@dataclass(frozen=True)
class ProgrammeRow:
    municipality_id: int
    kind: str
    intervention_id: int
    row: Row


@dataclass
class ProgrammeData:
    municipality_ids: list[int]
    rows: list[ProgrammeRow]
    # Per pejlemærke number: the (municipality, intervention) pairs its initiatives use.
    benchmark_uses: dict[int, set[tuple[int, int]]]
    benchmarks: list[Benchmark]


def programme_data(programme: Programme, cut: Cut) -> ProgrammeData:
    benchmarks = list(Benchmark.objects.filter(framework_id=programme.framework_id))
    with national_context():
        municipality_ids = sorted(
            ProgrammeParticipation.objects.filter(programme=programme).values_list(
                "municipality_id", flat=True
            )
        )
        qs = Response.objects.filter(
            municipality_id__in=municipality_ids,
            informant=cut.informant,
            delivery__case__child__isnull=False,
        )
        if cut.kind:
            qs = qs.filter(delivery__intervention__kind=cut.kind)
        if cut.level:
            qs = qs.filter(delivery__intervention__level=cut.level)
        values = list(
            qs.order_by("delivery_id", "phase", "pk").values_list(
                "municipality_id",
                "delivery__intervention__kind",
                "delivery__intervention_id",
                "delivery_id",
                "phase",
                "form",
                "scores",
                "norm_set",
                "answered_at",
                "delivery__case__child__birth_date",
            )
        )
        numbers: dict[int, set[int]] = defaultdict(set)
        for initiative_id, number in InitiativeBenchmark.objects.filter(
            initiative__plan__participation__programme=programme
        ).values_list("initiative_id", "benchmark__number"):
            numbers[initiative_id].add(number)
        uses: dict[int, set[tuple[int, int]]] = defaultdict(set)
        for (
            initiative_id,
            municipality_id,
            intervention_id,
        ) in InitiativeIntervention.objects.filter(
            initiative__plan__participation__programme=programme
        ).values_list("initiative_id", "municipality_id", "intervention_id"):
            for number in numbers.get(initiative_id, ()):
                uses[number].add((municipality_id, intervention_id))
    rows = [
        ProgrammeRow(
            m,
            kind,
            iv,
            Row(d, phase, form, scores or {}, norm_set, timezone.localtime(at).date(), born),
        )
        for m, kind, iv, d, phase, form, scores, norm_set, at, born in values
    ]
    return ProgrammeData(municipality_ids, rows, dict(uses), benchmarks)
