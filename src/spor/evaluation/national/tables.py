"""The programme evaluator's figures: the evaluation page's figures across the participating
municipalities, per municipality (by pseudonym), per intervention type and per pejlemærke.

Every count of children is published in one table per breakdown, passed through
:func:`spor.evaluation.disclosure.suppress` (primary and secondary suppression): the columns
are the five exclusive change categories, the pairs without a category and the children
without a follow-up, so that the row total is the children started and every other count on
the page (pairs, children categorised) is a sum of shown cells or not shown. All the tables
(per municipality, type, level, pejlemærke, age group and half-year, and the band
transitions) count the same children, so they are protected together, as one
:class:`spor.evaluation.disclosure.Publication`: no hidden cell can be narrowed down from
everything the evaluator can download.

Means, changes with CI and effect sizes come from
:func:`spor.evaluation.web.figures.compute_cells` on the same cells and are shown for a row
only when its number of pairs is shown and at least 5. Nothing here names a municipality or
a child.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import numpy as np

from spor import sdq
from spor.cases.models import InterventionType, Level
from spor.evaluation import disclosure, stats
from spor.evaluation.national.access import EvaluatorActor, municipality_pseudonym
from spor.evaluation.national.selectors import ProgrammeData, with_stored
from spor.evaluation.web import figures, selectors
from spor.evaluation.web.forms import AGE_GROUPS, Filters
from spor.evaluation.web.selectors import Cell
from spor.lib import memo
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
OTHER_AGE = "anden"
AGE_LABELS = {code: label for code, label, _, _ in AGE_GROUPS}
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
    """One published row: the protected counts and the figures beside them."""

    label: str
    cells: list[int | str]
    started: int | str
    paired: int | str
    categorised: int | str
    change: figures.Change | None = None
    dz: str = ""
    unions: dict[str, str] = field(default_factory=dict)
    # The change beyond regression to the mean, with its 95 % interval (an estimate under
    # the assumptions the page states), when the change is shown.
    beyond: str = ""

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
    labels: list[str]
    rows: list[TableRow]
    total: TableRow
    means_in_total: bool = True

    def export_rows(self) -> list[list[str | int]]:
        """The count table as published: a header, one row per row, the totals row (not for
        the overlapping pejlemærker)."""
        out: list[list[str | int]] = [[self.row_heading, *COLUMN_LABELS, TOTAL_LABEL]]
        rows = [*self.rows, self.total] if self.means_in_total else self.rows
        out += [[r.label, *r.cells] for r in rows]
        return out


@dataclass
class Report:
    filters: Filters
    pooled: figures.Figures
    breakdowns: list[Breakdown]
    norm_titles: list[str]
    overall_row: TableRow
    band_transitions: figures.Transitions | None = None
    caveat: str = CAVEAT_DA
    threshold: int = THRESHOLD
    # Variation between municipalities, as (label, value) lines; empty when fewer than two
    # municipalities have a shown number of pairs of at least 5.
    variation: list[tuple[str, str]] = field(default_factory=list)
    # The publication and what it hides: for checking, never for publishing.
    publication: disclosure.Publication | None = None
    hidden: frozenset[Any] = frozenset()

    @property
    def overall(self) -> TableRow:
        return self.overall_row

    @property
    def transitions(self) -> figures.Transitions | None:
        return self.band_transitions

    @property
    def effects(self) -> list[tuple[str, str]]:
        return self.pooled.effects if self.overall.change is not None else []

    @property
    def attrition_means(self) -> list[tuple[str, str]]:
        """Baseline of completers vs. non-completers, when both counts are shown."""
        o = self.overall
        shown = isinstance(o.paired, int) and isinstance(o.cells[len(COLUMN_KEYS) - 1], int)
        if not shown or len(self.pooled.attrition) <= 2:
            return []
        return self.pooled.attrition[2:]


def _as_cell(v: int | None) -> int | str:
    return HIDDEN if v is None else v


def _row(label: str, shown: Sequence[int | None], fig: figures.Figures | None) -> TableRow:
    """A table row from its published cells (``None`` = hidden): one per column, then the
    children categorised, the pairs and the children started."""
    n = len(COLUMN_KEYS)
    categorised, paired, started = shown[n], shown[n + 1], shown[n + 2]
    out = TableRow(
        label,
        [_as_cell(v) for v in [*shown[:n], started]],
        _as_cell(started),
        _as_cell(paired),
        _as_cell(categorised),
    )
    if fig is not None and paired is not None and paired >= THRESHOLD and fig.total is not None:
        out.change = fig.total
        out.dz = next((v for lbl, v in fig.effects if lbl == DZ_LABEL), "")
        out.beyond = beyond_text(fig)
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


def beyond_text(fig: figures.Figures) -> str:
    """The change beyond regression to the mean and its interval, as the page shows it
    ("−2,1 (−3,0 til −1,2)"), or "" where the norm set gives no mean and reliability."""
    g = fig.regression
    return "" if g is None else f"{g.beyond} ({g.ci})"


def _column(cell: Cell, codes: dict[int, int]) -> int:
    """The count table's column of a cell: its change category, or no category, or no
    follow-up (the last two columns)."""
    if cell.after is None:
        return len(COLUMN_KEYS) - 1
    code = codes.get(id(cell), -1)
    return len(COLUMN_KEYS) - 2 if code < 0 else code


def age_group(age: int | None) -> str:
    for code, _, lo, hi in AGE_GROUPS:
        if age is not None and lo <= age <= hi:
            return code
    return OTHER_AGE


def half_label(half: int | None) -> str:
    if half is None:
        return "Ukendt"
    year, part = divmod(half, 10)
    return f"{year}, {part}. halvår"


DERIVED = ("categorised", "paired", "started")


class _Tables:
    """The evaluator's whole publication for one informant, as one
    :class:`~spor.evaluation.disclosure.Publication`: every table below is a grouping of the
    same children, so they are protected together, not one by one.

    The unknowns: per column (change category, no category, no follow-up), the children of
    each *group* (municipality × type × level × the pejlemærker its intervention serves), of
    each age group, of each half-year, and of each band transition. No published table
    crosses two of these, so for the attacker they are linked only by the column totals
    (given the totals, any set of groupings with those totals comes from some children:
    put them together independently within each column); the publication states exactly
    those links (``same``)."""

    def __init__(self, cols: figures.Columns):
        self.pub = disclosure.Publication(threshold=THRESHOLD)
        self.ncol = len(COLUMN_KEYS)
        self.cols = cols
        # Each cell's column: its change category, or no category, or no follow-up.
        self.column = np.where(
            ~cols.paired, self.ncol - 1, np.where(cols.codes < 0, self.ncol - 2, cols.codes)
        ).astype(np.int64)
        self.arms: dict[str, dict[tuple[Any, int], int]] = {}
        self.rows: dict[str, list[Any]] = {}
        # (prefix, row) -> the row's published keys, as :meth:`row` returns them.
        self.index: dict[tuple[str, Any], list[Any]] = {}

    def arm(
        self,
        name: str,
        codes: np.ndarray,
        values: list[Any],
        *,
        present_only: bool = False,
    ) -> dict[tuple[Any, int], int]:
        """Unknowns for the children per (key, column), every column of every key seen
        (with ``present_only``, only the combinations that hold children: the band
        transitions, where a category rules some out, and the attacker knows which);
        linked to the first arm by the column totals. ``codes``: each cell's key, as an
        index into ``values``; a value may stand for several codes."""
        n = self.ncol
        dense, keys = _merge(codes, values)
        counts = np.bincount(
            dense * n + self.column, weights=self.cols.n, minlength=len(keys) * n
        ).astype(np.int64)
        seen = np.unique(dense).tolist()
        # In a fixed order, not the database's (a GROUP BY answers in any order): the same
        # children give the same publication, and so the same hidden cells, on every request;
        # two patterns side by side could give a hidden cell back.
        out = {}
        for k in sorted(seen, key=lambda i: repr(keys[i])):
            for j in range(n):
                c = int(counts[k * n + j])
                if not present_only or c > 0:
                    out[(keys[k], j)] = self.pub.unknown(c)
        self.arms[name] = out
        if len(self.arms) > 1:
            first = next(iter(self.arms.values()))
            for j in range(n):
                self.pub.same(
                    [v for (_, jj), v in out.items() if jj == j],
                    [v for (_, jj), v in first.items() if jj == j],
                )
        return out

    def row(self, prefix: str, row: Any, parts: dict[int, list[int]]) -> list[Any]:
        """The published cells of one row (per column, then categorised, paired, started),
        each the sum of ``parts[column]``; their additive lines."""
        pub, n = self.pub, self.ncol
        keys = [pub.cell((prefix, row, j), parts.get(j, [])) for j in range(n)]
        cat = pub.cell(
            (prefix, row, "categorised"), [v for j in range(n - 2) for v in parts.get(j, [])]
        )
        paired = pub.cell(
            (prefix, row, "paired"), [v for j in range(n - 1) for v in parts.get(j, [])]
        )
        started = pub.cell(
            (prefix, row, "started"), [v for j in range(n) for v in parts.get(j, [])]
        )
        pub.line([*keys[: n - 2], cat])
        pub.line([cat, keys[n - 2], paired])
        pub.line([paired, keys[n - 1], started])
        self.index[(prefix, row)] = [*keys, cat, paired, started]
        return self.index[(prefix, row)]

    def partition(
        self,
        prefix: str,
        arm: dict[tuple[Any, int], int],
        rows: list[Any],
        row_of: Any,
        total: list[Any] | None,
    ) -> list[list[Any]]:
        """A table whose rows group the children: ``row_of(key)`` is the rows a key counts
        under. With ``total`` the rows partition the children: its columns add up to it."""
        parts: dict[Any, dict[int, list[int]]] = {r: defaultdict(list) for r in rows}
        for (k, j), v in arm.items():
            for r in row_of(k):
                found = parts.get(r)
                if found is not None:
                    found[j].append(v)
        keyed = [self.row(prefix, r, parts[r]) for r in rows]
        if total is not None:
            for j in range(len(total)):
                self.pub.line([*(k[j] for k in keyed), total[j]])
        self.rows[prefix] = keyed
        return keyed


def _merge(codes: np.ndarray, values: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Codes of equal values made one, numbered in the order first met."""
    index: dict[Any, int] = {}
    remap = np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)
    return (remap[codes] if len(codes) else codes), list(index)


@dataclass
class Protected:
    """The evaluator's publication for one informant, protected, with its rows: what every
    output about these children (the evaluator's page and files, the programme
    administrator's figures per pejlemærke) shows of their counts."""

    tables: _Tables
    hidden: frozenset[Any]
    total: list[Any]
    munis: list[tuple[str, int]]
    levels: list[str]
    age_rows: list[Any]
    half_rows: list[Any]
    numbers: list[int]
    ref: str
    bands: list[str]
    tr_keys: list[list[Any]]

    def shown(self, key: Any) -> int | None:
        """A published count, or None where hidden."""
        return None if key in self.hidden else self.tables.pub.value(key)

    def published(self, prefix: str, row: Any) -> dict[str, int | None]:
        """One row's counts as published, by the names the evaluation page's figures use
        (:func:`spor.evaluation.web.figures.compute_cells` with ``published=``): a union of
        change categories is shown only when its parts are."""
        keys = self.total if prefix == "all" else self.tables.index[(prefix, row)]
        v = [self.shown(k) for k in keys]
        n = len(COLUMN_KEYS)
        out: dict[str, int | None] = {f"cat:{k}": v[j] for j, k in enumerate(CATEGORIES)}
        out |= {
            "uncategorised": v[n - 2],
            "noncompleted": v[n - 1],
            "categorised": v[n],
            "paired": v[n + 1],
            "started": v[n + 2],
        }
        for key, parts in UNIONS.items():
            ks = [out[f"cat:{p}"] for p in parts]
            out[f"union:{key}"] = None if any(k is None for k in ks) else sum(k or 0 for k in ks)
        return out


def pattern_of(data: ProgrammeData) -> Any:
    """A cell's pejlemærker: those whose initiatives use its (municipality, intervention)."""
    uses = data.benchmark_uses
    known: dict[tuple[int | None, int | None], frozenset[int]] = {}

    def pattern(c: Cell) -> frozenset[int]:
        where = (c.municipality_id, c.intervention_id)
        found = known.get(where)
        if found is None:
            found = known[where] = frozenset(b for b, s in uses.items() if where in s)
        return found

    return pattern


class _Origins:
    """Where and when each cell's children were helped, as codes per cell (indices into the
    values beside them): municipality, intervention type, level, the group of the
    publication (municipality × type × level × pejlemærker), age group and half-year."""

    def __init__(self, data: ProgrammeData, cols: figures.Columns) -> None:
        uses = data.benchmark_uses
        where, places = _places(cols)
        self.where, self.places = where, places
        # A cell's pejlemærker, as :func:`pattern_of` finds them.
        self.patterns = [
            frozenset(b for b, s in uses.items() if (m, i) in s) for m, i, _, _ in places
        ]
        self.group = where, [
            (m, kind, level, pat) for (m, _, kind, level), pat in zip(places, self.patterns,
                                                                     strict=True)
        ]  # fmt: skip
        self.muni = where, [m for m, _, _, _ in places]
        self.kind = where, [kind for _, _, kind, _ in places]
        self.level = where, [level for _, _, _, level in places]
        ages, age_values = cols.origin("age")
        self.half = cols.origin("half")
        self.age = ages, [age_group(a) for a in age_values]


def _places(cols: figures.Columns) -> tuple[np.ndarray, list[Any]]:
    """Each cell's (municipality, intervention, type, level), as a code into the values
    beside it."""
    found = [cols.origin(name) for name in ("municipality_id", "intervention_id", "kind", "level")]
    where, first = selectors.joint_codes([c for c, _ in found], [len(v) for _, v in found])
    places = [tuple(values[int(codes[f])] for codes, values in found) for f in first.tolist()]
    return where, places


def _members(codes: np.ndarray, values: list[Any]) -> dict[Any, np.ndarray]:
    """The positions of the cells per value, each in the cells' order."""
    dense, keys = _merge(codes, values)
    order = np.argsort(dense, kind="stable")
    bounds = np.searchsorted(dense[order], np.arange(len(keys) + 1))
    return {key: order[bounds[i] : bounds[i + 1]] for i, key in enumerate(keys)}


def protect(
    data: ProgrammeData,
    programme_id: int,
    cols: figures.Columns | None = None,
    origins: _Origins | None = None,
) -> Protected:
    """Every count the evaluator's tables publish for one informant, as one
    :class:`~spor.evaluation.disclosure.Publication`, and the counts it hides. ``cols`` and
    ``origins``: the cells' arrays, when the caller has them."""
    cols = cols if cols is not None else figures.Columns.of(data.cells)
    origins = origins if origins is not None else _Origins(data, cols)

    t = _Tables(cols)
    groups = t.arm("group", *origins.group)
    ages = t.arm("age", *origins.age)
    halves = t.arm("half", *origins.half)
    ref, bands = _transition_ref_columns(cols)
    trans: dict[tuple[Any, int], int] = {}
    if ref:
        code = cols.norms.index(ref)
        truthy = np.array([bool(b) for b in cols.bands], dtype=bool)
        banded = (
            cols.paired
            & (cols.norm_before == code)
            & (cols.norm_after == code)
            & truthy[cols.band_before]
            & truthy[cols.band_after]
        )
        nb = len(cols.bands)
        pair = np.where(banded, cols.band_before * nb + cols.band_after, nb * nb)
        values = [(cols.bands[k // nb], cols.bands[k % nb]) for k in range(nb * nb)] + [None]
        trans = t.arm("transitions", pair, values, present_only=True)
    total_parts: dict[int, list[int]] = defaultdict(list)
    for (_, j), v in groups.items():
        total_parts[j].append(v)
    total = t.row("all", "all", total_parts)

    munis = sorted((municipality_pseudonym(programme_id, m), m) for m in data.municipality_ids)
    t.partition("kommune", groups, [m for _, m in munis], lambda k: (k[0],), total)
    kinds = list(InterventionType)
    t.partition("type", groups, [k.value for k in kinds], lambda k: (k[1],), total)
    levels = [lvl.value for lvl in Level] + ([""] if any(not lv for lv in origins.level[1]) else [])
    t.partition("niveau", groups, levels, lambda k: (k[2],), total)
    age_rows = [code for code, *_ in AGE_GROUPS] + (
        [OTHER_AGE] if any(k == OTHER_AGE for k, _ in ages) else []
    )
    t.partition("alder", ages, age_rows, lambda k: (k,), total)
    half_rows = sorted({k for k, _ in halves}, key=lambda h: (h is None, h or 0))
    t.partition("halvaar", halves, half_rows, lambda k: (k,), total)
    # Per pejlemærke: a child counts under every pejlemærke its intervention serves, so the
    # rows overlap; no totals row.
    numbers = [b.number for b in data.benchmarks]
    t.partition("pejlemaerke", groups, numbers, lambda k: k[3], None)
    tr_keys: list[list[Any]] = []
    if trans:
        tr_keys = _transition_cells(t, trans, bands)
    return Protected(
        t, t.pub.protect(), total, munis, levels, age_rows, half_rows, numbers, ref, bands,
        tr_keys,
    )  # fmt: skip


def build(
    data: ProgrammeData,
    programme_id: int,
    filters: Filters,
    *,
    data_key: tuple[Any, ...] | None = None,
) -> Report:
    """The evaluator's tables for one informant: pooled, per municipality, type, level,
    pejlemærke, age group and half-year of the baseline, protected together.
    ``data_key``: :func:`_data_key` of ``data``, when the caller has it."""
    cols = figures.Columns.of(data.cells)
    origins = _Origins(data, cols)
    pooled = figures.compute_columns(cols, np.arange(len(data.cells)), filters)
    p = protect_cached(data, programme_id, cols, data_key, origins)
    t, hidden, total, munis = p.tables, p.hidden, p.total, p.munis
    kinds = list(InterventionType)
    levels, age_rows, half_rows = p.levels, p.age_rows, p.half_rows
    ref, bands, tr_keys = p.ref, p.bands, p.tr_keys
    shown = p.shown

    overall = _row("Alle", [shown(k) for k in total], pooled)
    breakdowns = []
    # Each breakdown's cells per row value, in the cells' order (the figures add up in that
    # order).
    by_pattern: dict[Any, list[np.ndarray]] = defaultdict(list)
    for pat, idx in _members(origins.where, list(range(len(origins.places)))).items():
        for number in origins.patterns[pat]:
            by_pattern[number].append(idx)
    pejlemaerker = {k: np.sort(np.concatenate(v)) for k, v in by_pattern.items()}
    members = {
        "kommune": _members(*origins.muni),
        "type": _members(*origins.kind),
        "niveau": _members(*origins.level),
        "alder": _members(*origins.age),
        "halvaar": _members(*origins.half),
        "pejlemaerke": pejlemaerker,
    }
    nothing = np.zeros(0, dtype=np.int64)

    specs: list[tuple[str, str, str, str, list[tuple[str, Any]]]] = [
        ("kommune", "Pr. kommune", "Kommune (pseudonym)",
         "Kommunerne er vist ved et pseudonym, der er det samme i hele programmet, men ikke "
         "afslører, hvilken kommune det er.",
         [(lbl, m) for lbl, m in munis]),
        ("type", "Pr. indsatstype", "Indsatstype",
         "Den nationale evaluerings typologi af PPR's indsatser.",
         [(str(k.label), k.value) for k in kinds]),
        ("niveau", "Pr. niveau", "Niveau", "Indsatsens niveau i indsatsviften.",
         [(str(Level(v).label) if v else "Uden niveau", v) for v in levels]),
        ("alder", "Pr. aldersgruppe", "Aldersgruppe ved førmålingen",
         "Barnets alder ved førmålingen.",
         [(AGE_LABELS.get(a, "Anden alder"), a) for a in age_rows]),
        ("halvaar", "Pr. halvår", "Førmåling i halvåret",
         "Halvåret, hvor førmålingen blev udfyldt. Perioder finere end et halvår vises ikke.",
         [(half_label(h), h) for h in half_rows]),
        ("pejlemaerke", "Pr. pejlemærke", "Pejlemærke",
         "Forløb med de indsatser fra indsatsviften, som kommunernes initiativer under "
         "pejlemærket bruger. Et initiativ kan tjene flere pejlemærker, så et barn kan tælle "
         "under flere, og rækkerne lægges ikke sammen.",
         [(str(b), b.number) for b in data.benchmarks]),
    ]  # fmt: skip

    for key, title, heading, note, rows in specs:
        found = members[key]
        published = [
            _row(
                label,
                [shown(k) for k in keys],
                figures.compute_columns(cols, found.get(value, nothing), filters, row_only=True),
            )
            for (label, value), keys in zip(rows, t.rows[key], strict=True)
        ]
        breakdowns.append(
            Breakdown(key, title, heading, note, [r[0] for r in rows], published, overall,
                      means_in_total=key != "pejlemaerke")
        )  # fmt: skip
    transitions = None
    if tr_keys and ref:
        labels = [questionnaire.band_label(ref, b) or b for b in bands]
        cells = [[HIDDEN if k in hidden else t.pub.value(k) for k in row] for row in tr_keys]
        transitions = figures.Transitions(
            questionnaire.norm_set_title(ref),
            labels,
            [(labels[i] if i < len(labels) else "I alt", r) for i, r in enumerate(cells)],
        )
    present = np.unique(np.concatenate([cols.norm_before, cols.norm_after]))
    refs = sorted({r for r in (cols.norms[i] for i in present.tolist()) if r})
    return Report(
        filters=filters,
        pooled=pooled,
        breakdowns=breakdowns,
        norm_titles=[questionnaire.norm_set_title(ref) for ref in refs],
        variation=_variation(cols, origins, munis, breakdowns[0]),
        overall_row=overall,
        band_transitions=transitions,
        publication=t.pub,
        hidden=hidden,
    )


def _transition_ref_columns(cols: figures.Columns) -> tuple[str, list[str]]:
    """:func:`_transition_ref` of the cells' pairs."""
    if not cols.same.any():
        return "", []
    per_ref = np.bincount(cols.norm_before[cols.same], weights=cols.n[cols.same])
    seen = np.unique(cols.norm_before[cols.same]).tolist()
    refs = {cols.norms[i]: int(per_ref[i]) for i in seen}
    ref = max(sorted(refs), key=lambda r: refs[r])
    try:
        ns = sdq.load_norm_set(ref.split("@", 1)[0])
    except sdq.SDQError:
        return "", []
    return ref, list(ns.codes)


def _transition_ref(pairs: Sequence[Cell]) -> tuple[str, list[str]]:
    """The norm set of the band table (the most common one banding both before and after),
    and its band codes."""
    refs: dict[str, int] = defaultdict(int)
    for c in pairs:
        if c.norm_before and c.norm_before == c.norm_after:
            refs[c.norm_before] += c.n
    if not refs:
        return "", []
    ref = max(sorted(refs), key=lambda r: refs[r])
    try:
        ns = sdq.load_norm_set(ref.split("@", 1)[0])
    except sdq.SDQError:
        return "", []
    return ref, list(ns.codes)


def _transition_cells(
    t: _Tables, trans: dict[tuple[Any, int], int], bands: list[str]
) -> list[list[Any]]:
    """The band table (before × after, with totals) as published cells."""
    pub = t.pub
    grid: list[list[Any]] = []
    for bb in bands:
        grid.append([
            pub.cell(("bånd", bb, ba), [v for (k, _), v in trans.items() if k == (bb, ba)])
            for ba in bands
        ])  # fmt: skip
    for i, bb in enumerate(bands):
        grid[i].append(
            pub.cell(("bånd", bb, "*"), [v for (k, _), v in trans.items() if k and k[0] == bb])
        )
    grid.append([
        pub.cell(("bånd", "*", ba), [v for (k, _), v in trans.items() if k and k[1] == ba])
        for ba in bands
    ])  # fmt: skip
    grid[-1].append(pub.cell(("bånd", "*", "*"), [v for (k, _), v in trans.items() if k]))
    pub.table(grid)
    return grid


def _variation(
    cols: figures.Columns,
    origins: _Origins,
    munis: list[tuple[str, int]],
    by_municipality: Breakdown | None,
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
    if len(included) < 2:
        return []
    codes, values = origins.muni
    inside = np.array([v in included for v in values], dtype=bool)
    pairs = np.flatnonzero(cols.paired & inside[codes]) if len(codes) else codes
    weights = cols.n[pairs]
    change = np.repeat(cols.after[pairs] - cols.before[pairs], weights)
    ids = np.repeat(np.array(values, dtype=np.int64)[codes[pairs]], weights)
    v = stats.between_municipalities(change, ids)
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


# ----------------------------------------------------------------------- kept per process

T = TypeVar("T")


def _data_key(
    data: ProgrammeData, programme_id: int, digest: str | None = None, *, informant: str = ""
) -> tuple[Any, ...]:
    """Everything the publication is computed from, as plain data: the cells (counts and
    sums, no child; in any order), the participating municipalities with their pseudonyms
    (which follow the key in settings), the pejlemærker and what their initiatives use.
    ``digest``: the cells' :func:`in_order` digest, when the caller has it.

    While ``data`` has builds (``ProgrammeData.builds``: fresh municipalities whose stored
    cells were not read), they stand for those cells: (``informant``, whose cells they are,
    (municipality, build) …) and the digest of the other municipalities' cells, computed
    live. A build's stored cells are exactly what it wrote (only a build writes them, in its
    transaction, with a new identity), so the same builds are the same cells, and the cells
    need not be read to find what is kept. Never equal to a key of cells (a tuple, not a
    digest): a result kept under builds is found only by the same builds."""
    if digest is not None:
        cells: Any = digest
    elif data.builds:
        cells = ("builds", informant, data.builds, selectors.cells_in_order(data.cells)[1])
    else:
        cells = selectors.cells_in_order(data.cells)[1]
    return (
        programme_id,
        [(municipality_pseudonym(programme_id, m), m) for m in data.municipality_ids],
        [(b.pk, b.number, str(b)) for b in data.benchmarks],
        sorted((n, sorted(s)) for n, s in data.benchmark_uses.items()),
        cells,
    )


def in_order(data: ProgrammeData, programme_id: int) -> tuple[ProgrammeData, tuple[Any, ...]]:
    """``data`` with its cells in one fixed order, and its key (:func:`_data_key`): what is
    kept under the key is then computed from the cells in the same order, so the figures
    (whose sums depend on the order to the last bit) are those of the key on every read.
    Of every cell (no builds: :func:`kept` reads them first)."""
    assert not data.builds
    cells, digest = selectors.cells_in_order(data.cells)
    ordered = dataclasses.replace(data, cells=cells)
    return ordered, _data_key(ordered, programme_id, digest)


def kept(
    data: ProgrammeData,
    programme_id: int,
    name: str,
    compute: Callable[[ProgrammeData, tuple[Any, ...]], T],
    *parts: Any,
    eactor: EvaluatorActor | None = None,
    informant: str = "",
) -> T:
    """``compute(ordered, data_key)``, kept in the process (:mod:`spor.lib.memo`) under
    ``name``, ``parts`` and ``data``'s key (:func:`_data_key`), where ``ordered`` is ``data``
    with every cell in :func:`in_order`'s order. With builds (``ProgrammeData.builds``, of
    ``informant``'s cells) the key is made of them and the stored cells are read (as
    ``eactor``, :func:`with_stored`) only when nothing is kept under it: then from the same
    cells in the same order as the cells' own key would give, so the figures are the same to
    the last bit. If a build committed between the read of the builds and of their cells
    (``with_stored`` says so), the cells read are kept under their own digest instead, never
    under builds they are not (the page's "Opdateret" then names the older build it read
    the state of, while the figures may be a newer one's)."""
    if data.builds:
        assert eactor is not None
        data_key = _data_key(data, programme_id, informant=informant)
        key = memo.digest(name, *parts, data_key)
        found, value = memo.find(key)
        if found:
            return cast(T, value)
        data, same = with_stored(data, eactor, informant)
        if same:
            ordered = in_order(data, programme_id)[0]
            return memo.cached(key, lambda: compute(ordered, data_key))
        # A build committed in between: the cells read, kept under their digest.
    ordered, data_key = in_order(data, programme_id)
    return memo.cached(memo.digest(name, *parts, data_key), lambda: compute(ordered, data_key))


def protect_cached(
    data: ProgrammeData,
    programme_id: int,
    cols: figures.Columns | None = None,
    data_key: tuple[Any, ...] | None = None,
    origins: _Origins | None = None,
) -> Protected:
    """:func:`protect`, kept in the process under its inputs (:mod:`spor.lib.memo`): the
    same cells give the same publication, so a second page or file about them does not
    solve the linear programmes again; any change to the data gives new cells. The
    publication does not depend on the cells' order (its unknowns and rows are in a fixed
    order), so the key has none. ``data_key``: :func:`_data_key` of ``data``, when the caller
    has it (:func:`kept`'s, which may be of builds: ``data`` are then their cells)."""
    assert not data.builds  # the cells themselves are protected, never a part of them
    found = data_key if data_key is not None else _data_key(data, programme_id)
    key = memo.digest("national.protect", found)
    return memo.cached(key, lambda: protect(data, programme_id, cols, origins))


def build_cached(
    data: ProgrammeData,
    programme_id: int,
    filters: Filters,
    *,
    eactor: EvaluatorActor | None = None,
) -> Report:
    """:func:`build`, kept in the process under its inputs, as :func:`protect_cached`; of
    the cells in :func:`in_order` (:func:`kept`: with builds, their cells are read, as
    ``eactor``, only when nothing is kept)."""
    f = filters
    wanted = (
        f.intervention.pk if f.intervention is not None else None,
        f.kind, f.level, f.target, f.age_group, f.informant, f.date_from, f.date_to,
    )  # fmt: skip
    return kept(
        data,
        programme_id,
        "national.build",
        lambda ordered, data_key: build(ordered, programme_id, filters, data_key=data_key),
        wanted,
        eactor=eactor,
        informant=filters.informant,
    )
