"""The programme evaluator's one read across municipalities: the SDQ responses behind the
evaluation figures in every participating municipality, grouped in the database as the cells
that :func:`spor.evaluation.web.figures.compute_cells` takes, each with the municipality,
the intervention and its type, and the pejlemærker its initiatives serve.

Read in :func:`~spor.programme.access.national_context` (the rows of exactly the
participating municipalities, as the owner's function names them), always filtered by the
evaluated programme's participations, and evaluated into lists inside the block. Nothing
about a child leaves this module but counts and sums: no name, no CPR number, no child, case
or delivery id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from spor.evaluation.national.access import EvaluatorActor
from spor.evaluation.web.forms import Filters
from spor.evaluation.web.selectors import (
    Cell,
    builds_cells,
    join_cells,
    pair_cells_across,
    programme_cells,
)
from spor.programme.access import national_context
from spor.programme.models import (
    Benchmark,
    InitiativeBenchmark,
    InitiativeIntervention,
    ProgrammeParticipation,
)


@dataclass
class ProgrammeData:
    municipality_ids: list[int]
    # The started deliveries, grouped in the database and kept apart by municipality,
    # intervention type and intervention, age group and half-year of the baseline
    # (spor.evaluation.web.selectors.Cell; ``age`` is the age group's lowest age).
    cells: Sequence[Cell]  # the stored ones as columns (selectors.CellArrays)
    # Per pejlemærke number: the (municipality, intervention) pairs its initiatives use.
    benchmark_uses: dict[int, set[tuple[int, int]]]
    benchmarks: list[Benchmark]
    # The oldest build of the stored cells read (selectors.programme_cells); None when
    # every municipality was computed from its responses on this read.
    refreshed_at: dt.datetime | None = None
    # With ``stored=False`` (programme_data): the fresh municipalities whose stored cells are
    # *not* in ``cells`` yet, each with its build, which stands for them in the kept results'
    # key (spor.evaluation.national.tables.kept); :func:`with_stored` reads them (of the
    # informant they were read for). Empty: ``cells`` are all the cells.
    builds: tuple[tuple[int, str], ...] = ()


def programme_data(
    eactor: EvaluatorActor, filters: Filters, *, stored: bool = True
) -> ProgrammeData:
    """Everything the evaluator's publication is computed from. ``stored=False``: the stored
    cells of the fresh municipalities are not read, their builds stand for them
    (``ProgrammeData.builds``): for a reader that keeps its results under them and reads the
    cells only when it computes (:func:`with_stored`)."""
    return _programme_data(eactor, filters, stored=stored)


def with_stored(
    data: ProgrammeData, eactor: EvaluatorActor, informant: str
) -> tuple[ProgrammeData, bool]:
    """``data`` with every cell (the stored cells of its builds, ``informant``'s, read as
    ``eactor``: each municipality's cells together as :func:`programme_data` gives them),
    and whether the stored cells read are those builds' (:func:`spor.evaluation.web.
    selectors.builds_cells`: not when a build committed since the builds were read)."""
    if not data.builds:
        return data, True
    with national_context(eactor):
        stored, same = builds_cells(data.builds, informant)
    cells = join_cells(stored, list(data.cells))  # columns where they can be
    return dataclasses.replace(data, cells=cells, builds=()), same


def _programme_data(eactor: EvaluatorActor, filters: Filters, *, stored: bool) -> ProgrammeData:
    programme = eactor.programme
    benchmarks = list(Benchmark.objects.filter(framework_id=programme.framework_id))
    with national_context(eactor):
        municipality_ids = sorted(
            ProgrammeParticipation.objects.filter(programme=programme).values_list(
                "municipality_id", flat=True
            )
        )
        refreshed_at = None
        builds: tuple[tuple[int, str], ...] = ()
        if filters == Filters(informant=filters.informant):
            # The evaluator's one filter: the cells kept per municipality.
            kept = programme_cells(municipality_ids, filters.informant, stored=stored)
            cells, refreshed_at, builds = kept.cells, kept.refreshed_at, kept.builds
        else:
            cells = pair_cells_across(municipality_ids, filters, by_origin=True)
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
    return ProgrammeData(municipality_ids, cells, dict(uses), benchmarks, refreshed_at, builds)
