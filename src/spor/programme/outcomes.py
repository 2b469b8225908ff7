"""Outcomes per initiative and per pejlemærke: the evaluation's SDQ figures for the deliveries
of the catalogue interventions an initiative uses (issue 8, part 6).

Nothing is computed here. The responses are read with
:func:`spor.evaluation_web.selectors.response_rows` (one call per catalogue intervention, with
the evaluation page's default informant) and the figures with
:func:`spor.evaluation_web.figures.compute`, so the numbers, the norm sets and the
suppression ("færre end 5", secondary suppression of the change categories) are the
evaluation page's own. Only aggregates leave this module: no child, name or CPR number.

* :func:`for_initiative`: one initiative, in the actor's own municipality (the caller has
  already fetched the initiative through the municipality-scoped selector, so another
  municipality's initiative is a 404 before this is reached).
* :func:`for_programme`: per pejlemærke (by number, as the overview counts), pooled over
  every initiative in every participating municipality that serves it, for the programme
  administrator. Read in :func:`~spor.programme.access.national_context`, filtered by the
  administered programme, and evaluated into lists inside the block. A delivery (one
  child's before/after pair in one intervention) counts once per pejlemærke, even when two
  initiatives use the same intervention. The figures are for the whole programme: the
  overview's filters do not narrow them, so they cannot be differenced down to a few
  children.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from spor.cases.models import Intervention
from spor.evaluation import stats
from spor.evaluation_web import figures, selectors
from spor.evaluation_web.forms import DEFAULT_INFORMANT, Filters
from spor.measurement.models import Informant
from spor.programme.access import ProgrammeActor, national_context
from spor.programme.models import Initiative, InitiativeBenchmark, InitiativeIntervention
from spor.programme.selectors import benchmarks_of
from spor.tenancy.access import Actor

__all__ = ["Outcome", "Outcomes", "for_initiative", "for_programme"]

CAVEAT_DA = (
    "Tallene er målinger før og efter et forløb, uden en kontrolgruppe. De viser, hvordan "
    "det gik børnene, ikke hvad forløbet gjorde. Vi ved ikke, hvordan det var gået uden "
    "forløbet."
)
DZ_LABEL = stats.EFFECT_LABELS_DA["dz"]


@dataclass
class Outcome:
    """One row: an initiative or a pejlemærke, with the evaluation's figures."""

    label: str
    interventions: list[str]
    fig: figures.Figures
    initiatives: int = 1

    @property
    def change(self) -> figures.Change | None:
        return self.fig.total if self.fig.shown else None

    @property
    def dz(self) -> str:
        return next((v for label, v in self.fig.effects if label == DZ_LABEL), "")

    def _union(self, key: str) -> figures.Share | None:
        return next((s for s in self.fig.unions if s.key == key), None)

    @property
    def improvement(self) -> figures.Share | None:
        return self._union("any_reliable_improvement")

    @property
    def normal(self) -> figures.Share | None:
        return self._union("into_normal_range")


@dataclass
class Outcomes:
    """What ``programme/_outcomes.html`` shows."""

    heading: str
    row_heading: str
    rows: list[Outcome]
    informant_label: str = str(Informant(DEFAULT_INFORMANT).label)
    caveat: str = CAVEAT_DA
    threshold: int = figures.THRESHOLD
    suppressed: str = figures.SUPPRESSED
    dz_label: str = DZ_LABEL
    improvement_label: str = stats.CHANGE_SUMMARY_LABELS_DA["any_reliable_improvement"]
    normal_label: str = stats.CHANGE_SUMMARY_LABELS_DA["into_normal_range"]
    note: str = ""
    per_benchmark: bool = False
    norm_titles: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.norm_titles = sorted({t for row in self.rows for t in row.fig.norm_titles})


@dataclass(frozen=True)
class _Municipality:
    """All :func:`selectors.response_rows` reads of its actor: the municipality."""

    municipality_id: int


def _rows(municipality_id: int, interventions: Iterable[Intervention]) -> list[selectors.Row]:
    """The default informant's responses on deliveries of the interventions, in the
    municipality; each intervention once, so each delivery once."""
    scope = cast(Actor, _Municipality(municipality_id))
    seen: set[int] = set()
    rows: list[selectors.Row] = []
    for intervention in interventions:
        if intervention.pk in seen:
            continue
        seen.add(intervention.pk)
        rows += selectors.response_rows(scope, Filters(intervention=intervention))
    return rows


def for_initiative(actor: Actor, initiative: Initiative) -> Outcomes:
    """The figures for the deliveries, in the actor's municipality, of the catalogue
    interventions the initiative uses (none if it uses none)."""
    interventions = list(initiative.interventions.all())
    rows = _rows(actor.municipality_id, interventions) if interventions else []
    outcome = Outcome(
        initiative.title, [i.name for i in interventions], figures.compute(rows, Filters())
    )
    return Outcomes(
        "Resultater: SDQ før og efter",
        "Initiativ",
        [outcome] if interventions else [],
        note="Alle forløb i kommunen med initiativets indsatser fra indsatsvifte.",
    )


def for_programme(pactor: ProgrammeActor) -> Outcomes:
    """Per pejlemærke of the programme's framework, pooled over the participating
    municipalities' initiatives that serve it and use catalogue interventions."""
    programme = pactor.programme
    benchmarks = list(benchmarks_of(programme))
    # Per pejlemærke number: the initiatives, and per municipality the interventions.
    initiatives: dict[int, set[int]] = defaultdict(set)
    used: dict[int, dict[int, dict[int, Intervention]]] = defaultdict(lambda: defaultdict(dict))
    rows: dict[tuple[int, int], list[selectors.Row]] = {}
    with national_context():
        numbers: dict[int, set[int]] = defaultdict(set)
        for initiative_id, number in InitiativeBenchmark.objects.filter(
            initiative__plan__participation__programme=programme
        ).values_list("initiative_id", "benchmark__number"):
            numbers[initiative_id].add(number)
        links = list(
            InitiativeIntervention.objects.filter(
                initiative__plan__participation__programme=programme
            ).select_related("intervention")
        )
        for link in links:
            for number in numbers.get(link.initiative_id, ()):
                initiatives[number].add(link.initiative_id)
                used[number][link.municipality_id][link.intervention_id] = link.intervention
        # Each (municipality, intervention) is read once, however many pejlemærker use it.
        for by_municipality in used.values():
            for municipality_id, interventions in by_municipality.items():
                for pk, intervention in interventions.items():
                    if (municipality_id, pk) not in rows:
                        rows[(municipality_id, pk)] = _rows(municipality_id, [intervention])
    out = []
    for b in benchmarks:
        chosen = used.get(b.number, {})
        pooled = [r for m, ivs in chosen.items() for pk in ivs for r in rows[(m, pk)]]
        names = sorted({iv.name for ivs in chosen.values() for iv in ivs.values()})
        out.append(
            Outcome(
                str(b),
                names,
                figures.compute(pooled, Filters()),
                initiatives=len(initiatives.get(b.number, ())),
            )
        )
    return Outcomes(
        "Resultater pr. pejlemærke: SDQ før og efter",
        "Pejlemærke",
        out,
        per_benchmark=True,
        note=(
            "Alle deltagende kommuners forløb med de indsatser fra indsatsvifte, som "
            "initiativerne under pejlemærket bruger. Et forløb tæller én gang pr. pejlemærke, "
            "også når flere initiativer bruger samme indsats; et initiativ kan tjene flere "
            "pejlemærker, så et barn kan tælle under flere. Filtrene ovenfor ændrer ikke "
            "tallene."
        ),
    )
