"""Outcomes per initiative and per pejlemærke: the evaluation's SDQ figures for the deliveries
of the catalogue interventions an initiative uses (issue 8, part 6).

Nothing is computed here. The started deliveries are read as the evaluation page's cells with
:func:`spor.evaluation.web.selectors.pair_cells_across` (one grouped query, kept apart by
intervention, with the page's default informant) and the figures with
:func:`spor.evaluation.web.figures.compute_cells`, so the numbers and the norm sets are the
evaluation page's own. Only aggregates leave this module: no child, name or CPR number. A
hidden count shows :data:`spor.evaluation.disclosure.HIDDEN_MARK`, whatever the reason.

* :func:`for_initiative`: one initiative, in the actor's own municipality (the caller has
  already fetched the initiative through the municipality-scoped selector, so another
  municipality's initiative is a 404 before this is reached). Its counts are sums of the
  lead's published counts per intervention (:mod:`spor.evaluation.web.lattice`), shown only
  where every part is shown.
* :func:`for_programme`: per pejlemærke (by number, as the overview counts), pooled over
  every initiative in every participating municipality that serves it, for the programme
  administrator: the programme evaluator's rows per pejlemærke (the administrator may read
  the evaluator's page and files too), read by
  :func:`spor.evaluation.national.selectors.programme_data`. Their counts are the
  evaluator's publication for the default informant, protected together with every table
  of the evaluator's page and files (:func:`spor.evaluation.national.tables.protect`), so
  nothing the administrator can obtain narrows a hidden count down (a table protected by
  itself would: its "8 par af 11 startet" beside the evaluator's tables gives a hidden
  3 back). A delivery (one child's before/after pair in one intervention) counts once per
  pejlemærke, even when two initiatives use the same intervention. The figures are for the
  whole programme: the overview's filters do not narrow them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from spor.accounts.access import Actor
from spor.evaluation import disclosure, stats
from spor.evaluation.national import selectors as national_selectors
from spor.evaluation.national import tables
from spor.evaluation.national.access import EvaluatorActor
from spor.evaluation.national.selectors import ProgrammeData
from spor.evaluation.web import figures, lattice
from spor.evaluation.web.forms import DEFAULT_INFORMANT, Filters
from spor.measurement.models import Informant
from spor.programme.access import ProgrammeActor
from spor.programme.models import Initiative
from spor.programme.selectors import InitiativeLine

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

    @property
    def beyond(self) -> str:
        """The change beyond regression to the mean with its 95 % interval, as the
        evaluation page computes it; "" where not shown."""
        g = self.fig.regression if self.fig.shown else None
        return "" if g is None else f"{g.beyond} ({g.ci})"

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
    legend: str = disclosure.HIDDEN_LEGEND_DA
    protection_note: str = disclosure.PROTECTION_NOTE_DA
    dz_label: str = DZ_LABEL
    improvement_label: str = stats.CHANGE_SUMMARY_LABELS_DA["any_reliable_improvement"]
    normal_label: str = stats.CHANGE_SUMMARY_LABELS_DA["into_normal_range"]
    note: str = ""
    per_benchmark: bool = False
    norm_titles: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.norm_titles = sorted({t for row in self.rows for t in row.fig.norm_titles})


def for_initiative(actor: Actor, initiative: Initiative) -> Outcomes:
    """The figures for the deliveries, in the actor's municipality, of the catalogue
    interventions the initiative uses (none if it uses none).

    Every count is the sum of the same count in the lead's views of those interventions
    (:mod:`spor.evaluation.web.lattice`, protected together), shown only when all of them
    are shown: a sum of shown counts tells nothing new, and a count with a hidden part is
    hidden. So the initiative's figures add nothing to what the lead's publication shows."""
    interventions = list(initiative.interventions.all())
    if not interventions:
        return Outcomes(
            "Resultater: SDQ før og efter",
            "Initiativ",
            [],
            note="Alle forløb i kommunen med initiativets indsatser fra indsatsvifte.",
        )
    ids = {i.pk for i in interventions}
    views = lattice.read(actor, DEFAULT_INFORMANT)
    parts = [views.published(lattice.View("indsats", pk)) for pk in sorted(ids)]
    # A count some view does not publish at all is not published here either.
    names = set(parts[0]).intersection(*parts[1:])
    published: dict[str, int | None] = {
        name: None if any(p[name] is None for p in parts) else sum(p[name] or 0 for p in parts)
        for name in names
    }
    cells = [c for c in views.cells if c.intervention_id in ids]
    outcome = Outcome(
        initiative.title,
        [i.name for i in interventions],
        figures.compute_cells(cells, Filters(), published=published),
    )
    return Outcomes(
        "Resultater: SDQ før og efter",
        "Initiativ",
        [outcome],
        note="Alle forløb i kommunen med initiativets indsatser fra indsatsvifte.",
    )


def _benchmark_figures(
    data: ProgrammeData, programme_id: int, eactor: EvaluatorActor
) -> list[figures.Figures]:
    """The figures per pejlemærke (in the order of ``data.benchmarks``), kept in the process
    under everything the evaluator's protected publication is computed from
    (:func:`spor.evaluation.national.tables.kept`, with the key
    :func:`~spor.evaluation.national.tables.protect_cached` is given): the figures are a
    function of the cells, the pejlemærker's uses and that publication, so the same key
    gives the same figures and any new response or changed delivery gives new cells (or a
    stale municipality, computed live) and a fresh computation (:mod:`spor.lib.memo`). The
    stored cells are read only when nothing is kept under their builds."""

    def compute(ordered: ProgrammeData, data_key: tuple[Any, ...]) -> list[figures.Figures]:
        # The publication's key (private to tables, passed here so that the figures can
        # never be kept under less than the protection they depend on).
        protected = tables.protect_cached(ordered, programme_id, data_key=data_key)
        pattern = tables.pattern_of(ordered)
        out = []
        for b in ordered.benchmarks:
            # Each cell belongs to one intervention, so a delivery counts once per pejlemærke.
            pooled = [c for c in ordered.cells if b.number in pattern(c)]
            out.append(
                figures.compute_cells(
                    pooled, Filters(), published=protected.published("pejlemaerke", b.number)
                )
            )
        return out

    return tables.kept(
        data, programme_id, "programme.outcomes", compute, eactor=eactor,
        informant=Filters().informant,
    )  # fmt: skip


def for_programme(pactor: ProgrammeActor, lines: list[InitiativeLine]) -> Outcomes:
    """Per pejlemærke of the programme's framework, pooled over the participating
    municipalities' initiatives that serve it and use catalogue interventions: the
    programme evaluator's rows per pejlemærke for the default informant, whose counts are
    protected together with everything else the evaluation publishes about these children
    (:func:`spor.evaluation.national.tables.protect`). ``lines``: every initiative of the
    programme (:func:`spor.programme.selectors.initiatives`, unfiltered), which the overview
    has read already: the initiatives and interventions per pejlemærke are counted from
    them rather than read again."""
    programme = pactor.programme
    eactor = EvaluatorActor(user=pactor.user, programme=programme, is_admin=True)
    data = national_selectors.programme_data(eactor, Filters(), stored=False)
    # Per pejlemærke number: the initiatives, and the interventions they use.
    initiatives: dict[int, set[int]] = defaultdict(set)
    names: dict[int, dict[int, str]] = defaultdict(dict)
    for line in lines:
        for number in {number for number, _ in line.benchmarks}:
            for intervention_id, name in zip(
                line.intervention_ids, line.interventions, strict=True
            ):
                initiatives[number].add(line.pk)
                names[number][intervention_id] = name
    out = [
        Outcome(
            str(b),
            sorted(names.get(b.number, {}).values()),
            fig,
            initiatives=len(initiatives.get(b.number, ())),
        )
        for b, fig in zip(
            data.benchmarks, _benchmark_figures(data, programme.pk, eactor), strict=True
        )
    ]
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
