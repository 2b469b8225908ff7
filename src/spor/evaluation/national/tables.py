"""The programme evaluator's figures: the evaluation page's figures across the participating
municipalities, per municipality (by pseudonym), per intervention type and per pejlemærke.

Every count of children is published in one table per breakdown, passed through
:func:`spor.evaluation.disclosure.suppress` (primary and secondary suppression): the columns
are the five exclusive change categories, the pairs without a category and the children
without a follow-up, so that the row total is the children started and every other count on
the page (pairs, children categorised) is a sum of shown cells or not shown. The tables per
municipality and per type share their totals and are protected together
(:func:`spor.evaluation.disclosure.protect_together`). The per-pejlemærke table is protected on its
own: a child can count under several pejlemærker, so its totals are sums, not children.

Means, changes with CI and effect sizes come from
:func:`spor.evaluation.web.figures.compute_cells` on the same cells and are shown for a row
only when its number of pairs is shown and at least 5. Nothing here names a municipality or
a child.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from spor import sdq
from spor.cases.models import InterventionType
from spor.evaluation import disclosure, stats
from spor.evaluation.national.access import municipality_pseudonym
from spor.evaluation.national.selectors import ProgrammeData
from spor.evaluation.web import figures
from spor.evaluation.web.forms import Filters
from spor.evaluation.web.selectors import Cell
from spor.measurement import questionnaire

THRESHOLD = figures.THRESHOLD
HIDDEN = disclosure.HIDDEN_MARK
CATEGORIES = list(sdq.CHANGE_CATEGORIES)
UNCATEGORISED = "uncategorised"
NO_FOLLOWUP = "no_followup"
COLUMN_KEYS = [*CATEGORIES, UNCATEGORISED, NO_FOLLOWUP]
COLUMN_LABELS = [
    *sdq.CHANGE_LABELS_DA,
    "Par uden ændringskategori",
    "Uden eftermåling",
]
TOTAL_LABEL = "Startet i alt"
DZ_LABEL = stats.EFFECT_LABELS_DA["dz"]
UNIONS = {
    "any_reliable_improvement": ("reliable_improvement", "reliable_recovery"),
    "into_normal_range": ("moved_into_normal_range", "reliable_recovery"),
}

CAVEAT_DA = (
    "Tallene er målinger før og efter et forløb, uden en kontrolgruppe. De viser, hvordan "
    "det gik børnene, ikke hvad forløbet gjorde. Mange børn får det bedre med tiden alligevel; "
    "børnene blev valgt, fordi de havde det svært netop da (regression mod middelværdien); "
    "og den, der udfylder skemaet, er ofte den, der hjælper barnet."
)

COLUMN_DESCRIPTIONS_DA = {
    "reliable_improvement": (
        "Par med pålidelig forbedring (ændringsindeks), som ikke endte i normalområdet."
    ),
    "no_reliable_change": "Par uden pålidelig ændring.",
    "reliable_deterioration": "Par med pålidelig forværring.",
    "moved_into_normal_range": ("Par, der flyttede ind i normalområdet uden pålidelig forbedring."),
    "reliable_recovery": "Par med pålidelig forbedring og ind i normalområdet.",
    UNCATEGORISED: (
        "Par, hvor før- og eftermålingen ikke er båndet med samme normsæt, så ingen "
        "ændringskategori kan beregnes."
    ),
    NO_FOLLOWUP: "Forløb med en førmåling, men (endnu) ingen eftermåling.",
}


@dataclass
class TableRow:
    """One published row: the suppressed counts and the figures beside them."""

    label: str
    cells: list[int | str]
    started: int | str
    paired: int | str
    categorised: int | str
    change: figures.Change | None = None
    dz: str = ""
    unions: dict[str, str] = field(default_factory=dict)

    @property
    def improvement(self) -> str:
        return self.unions.get("any_reliable_improvement", HIDDEN)

    @property
    def normal(self) -> str:
        return self.unions.get("into_normal_range", HIDDEN)


@dataclass
class Breakdown:
    key: str
    title: str
    row_heading: str
    note: str
    table: disclosure.Suppressed
    labels: list[str]
    rows: list[TableRow]
    total: TableRow
    means_in_total: bool = True

    def export_rows(self) -> list[list[str | int]]:
        return disclosure.export_rows(
            self.table,
            row_labels=self.labels,
            column_labels=COLUMN_LABELS,
            corner=self.row_heading,
            total_label=TOTAL_LABEL,
        )


@dataclass
class Report:
    filters: Filters
    pooled: figures.Figures
    breakdowns: list[Breakdown]
    norm_titles: list[str]
    caveat: str = CAVEAT_DA
    threshold: int = THRESHOLD
    # Variation between municipalities, as (label, value) lines; empty when fewer than two
    # municipalities have a shown number of pairs of at least 5.
    variation: list[tuple[str, str]] = field(default_factory=list)

    @property
    def overall(self) -> TableRow:
        return self.breakdowns[0].total

    @property
    def transitions(self) -> figures.Transitions | None:
        """The pooled band transitions, when the number of pairs with a category is shown
        (else their grand total could give back a hidden count)."""
        if not isinstance(self.overall.categorised, int):
            return None
        return self.pooled.transitions

    @property
    def effects(self) -> list[tuple[str, str]]:
        return self.pooled.effects if self.overall.change is not None else []

    @property
    def attrition_means(self) -> list[tuple[str, str]]:
        """Baseline of completers vs. non-completers, when both counts are shown."""
        o = self.overall
        shown = isinstance(o.paired, int) and isinstance(o.cells[-2], int)
        if not shown or len(self.pooled.attrition) <= 2:
            return []
        return self.pooled.attrition[2:]


def _counts(cells: Sequence[Cell], codes: dict[int, int]) -> list[int]:
    """One row of the count table: children per change category, pairs without one, and
    children without a follow-up (``codes``: category per cell, by ``id``)."""
    row = [0] * len(COLUMN_KEYS)
    for c in cells:
        if c.after is None:
            row[-1] += c.n
        elif codes.get(id(c), -1) < 0:
            row[-2] += c.n
        else:
            row[codes[id(c)]] += c.n
    return row


def _as_cell(v: int | None) -> int | str:
    return HIDDEN if v is None else v


def _row(label: str, shown: Sequence[int | None], fig: figures.Figures | None) -> TableRow:
    """A table row from its published cells (``None`` = hidden, the total last)."""
    started = shown[-1]
    no_followup, uncategorised = shown[-2], shown[-3]
    paired = None if started is None or no_followup is None else started - no_followup
    categorised = None if paired is None or uncategorised is None else paired - uncategorised
    # A difference of two shown cells can still be 1 to 4: never shown as a count.
    if paired is not None and 0 < paired < THRESHOLD:
        paired = None
    if categorised is not None and 0 < categorised < THRESHOLD:
        categorised = None
    out = TableRow(
        label,
        [_as_cell(v) for v in shown],
        _as_cell(started),
        _as_cell(paired),
        _as_cell(categorised),
    )
    if fig is not None and paired is not None and paired >= THRESHOLD and fig.total is not None:
        out.change = fig.total
        out.dz = next((v for lbl, v in fig.effects if lbl == DZ_LABEL), "")
    by_key = dict(zip(COLUMN_KEYS, shown, strict=False))
    for key, parts in UNIONS.items():
        ks = [by_key[p] for p in parts]
        if categorised is None or categorised < THRESHOLD or any(k is None for k in ks):
            continue
        k = sum(int(x) for x in ks if x is not None)
        p = stats.proportion(k, categorised)
        out.unions[key] = (
            f"{p.label} ({figures.pct(p.share)}; {figures.pct(p.ci_low)} til "
            f"{figures.pct(p.ci_high)})"
        )
    return out


def _rows_of(table: disclosure.Suppressed) -> list[list[int | None]]:
    return [list(r) for r in table.values]  # type: ignore[arg-type]


def _breakdown(
    key: str,
    title: str,
    row_heading: str,
    note: str,
    labels: list[str],
    table: disclosure.Suppressed,
    figs: list[figures.Figures],
    total_fig: figures.Figures | None,
    total_label: str = "Alle",
) -> Breakdown:
    values = _rows_of(table)
    rows = [_row(lbl, v, f) for lbl, v, f in zip(labels, values[:-1], figs, strict=True)]
    return Breakdown(
        key,
        title,
        row_heading,
        note,
        table,
        labels,
        rows,
        _row(total_label, values[-1], total_fig),
        means_in_total=total_fig is not None,
    )


def build(data: ProgrammeData, programme_id: int, filters: Filters) -> Report:
    chosen = data.cells
    pairs = [c for c in chosen if c.after is not None]
    codes = {id(c): code for c, code in zip(pairs, figures.categories(pairs), strict=True)}
    pooled = figures.compute_cells(chosen, filters)

    def group(cells: Iterable[Cell]) -> tuple[list[int], figures.Figures]:
        subset = list(cells)
        return _counts(subset, codes), figures.compute_cells(subset, filters)

    # Per municipality, ordered by pseudonym (not by name, which the order would reveal).
    munis = sorted((municipality_pseudonym(programme_id, m), m) for m in data.municipality_ids)
    m_counts, m_figs = [], []
    for _, m in munis:
        c, fig = group(x for x in chosen if x.municipality_id == m)
        m_counts.append(c)
        m_figs.append(fig)
    kinds = [k for k in InterventionType if not filters.kind or k.value == filters.kind]
    k_counts, k_figs = [], []
    for k in kinds:
        c, fig = group(x for x in chosen if x.kind == k.value)
        k_counts.append(c)
        k_figs.append(fig)
    breakdowns: list[Breakdown] = []
    linked = [t for t in (m_counts, k_counts) if t]
    protected = disclosure.protect_together(linked, threshold=THRESHOLD)
    if m_counts:
        breakdowns.append(
            _breakdown(
                "kommune",
                "Pr. kommune",
                "Kommune (pseudonym)",
                "Kommunerne er vist ved et pseudonym, der er det samme i hele programmet, "
                "men ikke afslører, hvilken kommune det er.",
                [label for label, _ in munis],
                protected[0],
                m_figs,
                pooled,
            )
        )
    if k_counts:
        breakdowns.append(
            _breakdown(
                "type",
                "Pr. indsatstype",
                "Indsatstype",
                "Den nationale evaluerings typologi af PPR's indsatser.",
                [str(k.label) for k in kinds],
                protected[-1],
                k_figs,
                pooled,
            )
        )
    b_labels, b_counts, b_figs = [], [], []
    for b in data.benchmarks:
        uses = data.benchmark_uses.get(b.number, set())
        c, fig = group(x for x in chosen if (x.municipality_id, x.intervention_id) in uses)
        b_labels.append(str(b))
        b_counts.append(c)
        b_figs.append(fig)
    if b_counts:
        breakdowns.append(
            _breakdown(
                "pejlemaerke",
                "Pr. pejlemærke",
                "Pejlemærke",
                "Forløb med de indsatser fra indsatsviften, som kommunernes initiativer under "
                "pejlemærket bruger. Et initiativ kan tjene flere pejlemærker, så et barn kan "
                "tælle under flere: summen nederst er en sum af rækkerne, ikke et antal børn.",
                b_labels,
                disclosure.suppress(b_counts, threshold=THRESHOLD),
                b_figs,
                None,
                total_label="Sum af rækkerne",
            )
        )
    refs = sorted({r for c in chosen for r in (c.norm_before, c.norm_after) if r})
    return Report(
        filters=filters,
        pooled=pooled,
        breakdowns=breakdowns,
        norm_titles=[questionnaire.norm_set_title(ref) for ref in refs],
        variation=_variation(chosen, munis, breakdowns[0] if m_counts else None),
    )


def _variation(
    chosen: Sequence[Cell], munis: list[tuple[str, int]], by_municipality: Breakdown | None
) -> list[tuple[str, str]]:
    """How much the change in total score varies between municipalities
    (:func:`spor.evaluation.stats.between_municipalities`), over the municipalities whose
    published number of pairs is at least 5: their means are on the page already, so the
    summary reveals no hidden cell."""
    if by_municipality is None:
        return []
    included = {
        m
        for (_, m), row in zip(munis, by_municipality.rows, strict=True)
        if isinstance(row.paired, int) and row.paired >= THRESHOLD
    }
    pairs = [c for c in chosen if c.after is not None and c.municipality_id in included]
    if len(included) < 2:
        return []
    weights = np.array([c.n for c in pairs], dtype=np.int64)
    change = np.repeat(np.array([c.after - c.before for c in pairs]), weights)  # type: ignore[operator]
    ids = np.repeat(np.array([c.municipality_id for c in pairs]), weights)
    v = stats.between_municipalities(change, ids.tolist())
    num = figures.num
    lines = [
        ("Kommuner med mindst 5 par", f"{v.k} kommuner, {v.n} par"),
        ("Gennemsnitlig ændring, alle disse par", num(v.grand_mean)),
        ("Spredning (SD) mellem kommunernes gennemsnitlige ændring", num(v.sd_of_means)),
        (
            "Andel af variationen, der ligger mellem kommunerne (ICC)",
            figures.pct(v.icc) if not math.isnan(v.icc) else "–",
        ),
        ("F-test for ens gennemsnit (p)", num(v.p_f, 3)),
    ]
    if not math.isnan(v.i2):
        lines.append(("Heterogenitet mellem kommunerne (I²)", figures.pct(v.i2)))
    return lines
