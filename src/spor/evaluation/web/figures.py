"""The figures of the evaluation page, from the rows of :mod:`spor.evaluation.web.selectors`
and the pure functions of :mod:`spor.evaluation.stats`. Counts about fewer children than the
disclosure threshold, and those that would give them away, are hidden: shown as
:data:`~spor.evaluation.disclosure.HIDDEN_MARK`, whatever the reason."""

from __future__ import annotations

import inspect
import itertools
import operator
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import numpy as np

from spor import sdq
from spor.evaluation import disclosure, outcome, stats
from spor.evaluation.web.forms import Filters
from spor.evaluation.web.selectors import SUBSCALES as SUBSCALE_KEYS
from spor.evaluation.web.selectors import Cell, CellArrays, Row, factorize
from spor.lib import danish, svg
from spor.measurement import questionnaire
from spor.measurement.models import Phase

THRESHOLD: int = inspect.signature(disclosure.suppress).parameters["threshold"].default
SUPPRESSED = disclosure.HIDDEN_MARK
LEGEND = disclosure.HIDDEN_LEGEND_DA
DESIGN_DA = (
    "Før/efter-måling uden kontrolgruppe: hvert barn er målt ved forløbets start og igen "
    "ved dets afslutning, af samme informant; der er ingen sammenligningsgruppe."
)

SUBSCALES = [
    ("emotional", "Følelsesmæssige symptomer"),
    ("conduct", "Adfærdsproblemer"),
    ("hyperactivity", "Hyperaktivitet/opmærksomhed"),
    ("peer", "Problemer med jævnaldrende"),
    ("prosocial", "Prosocial adfærd (højere er bedre)"),
]
# The subscale sums of a Cell come in the selectors' order.
assert [name for name, _ in SUBSCALES] == list(SUBSCALE_KEYS)
EXCLUSIVE = list(sdq.CHANGE_CATEGORIES)
UNIONS = {
    "any_reliable_improvement": ("reliable_improvement", "reliable_recovery"),
    "into_normal_range": ("moved_into_normal_range", "reliable_recovery"),
}


# Danish numbers (4.737,5; −0,3; '–' for not computable) and per cent: spor.lib.danish.
num = danish.number
pct = danish.percent


def count(n: int) -> str:
    """A count of children, hidden if 1 to THRESHOLD − 1."""
    return SUPPRESSED if 0 < n < THRESHOLD else str(n)


@dataclass
class Share:
    key: str
    label: str
    shown: bool
    text: str = SUPPRESSED
    ci: str = ""
    # The same as numbers, for a spreadsheet: the count, of how many, the share; None
    # where hidden.
    k: int | None = None
    n: int | None = None
    share: float | None = None


@dataclass
class Change:
    label: str
    n: int
    before: str
    after: str
    change: str
    ci: str


@dataclass
class Regression:
    """The change regression to the mean alone would give, and the change beyond it."""

    n: int
    expected: str
    beyond: str
    ci: str
    standardised: str
    parameters: str


@dataclass
class SensitivityRow:
    reliability: str
    kind: str
    threshold: str
    improved: str
    deteriorated: str
    beyond: str
    default: bool
    # The counts as numbers (None where hidden) and the pairs they are of.
    improved_k: int | None = None
    deteriorated_k: int | None = None
    n: int | None = None
    # False where the counts are not published at all (a filtered view of the lead's page:
    # only the view of all children has them), shown as NOT_COUNTED, not as hidden.
    counted: bool = True


NOT_COUNTED = "–"


@dataclass
class Transitions:
    norm_title: str
    labels: list[str]
    rows: list[tuple[str, list[Any]]]
    total_label: str = "I alt"


Bar = svg.Rect


@dataclass
class SvgChart:
    width: int
    height: int
    bars: list[Bar]
    axis: list[tuple[float, str]]
    zero_y: float
    description: str


@dataclass
class Figures:
    filters: Filters
    n_started: int
    n_paired: int
    norm_titles: list[str]
    shown: bool = False
    started_shown: bool = False
    total: Change | None = None
    effects: list[tuple[str, str]] = field(default_factory=list)
    categories: list[Share] = field(default_factory=list)
    unions: list[Share] = field(default_factory=list)
    n_categorised: int = 0
    transitions: Transitions | None = None
    subscales: list[Change] = field(default_factory=list)
    attrition: list[tuple[str, str]] = field(default_factory=list)
    histogram: SvgChart | None = None
    per_child: SvgChart | None = None
    # Reliable change and regression to the mean, with the parameters they use named.
    rci_label: str = ""
    rci_threshold: str = ""
    regression: Regression | None = None
    sensitivity: list[SensitivityRow] = field(default_factory=list)
    outcome: outcome.Outcome | None = None
    # The raw pairs, for the tests to compare with the pure functions.
    before: list[float] = field(default_factory=list)
    after: list[float] = field(default_factory=list)
    category_codes: list[int] = field(default_factory=list)
    # The view's counts as published when every view the lead can set is protected together
    # (spor.evaluation.web.lattice): name -> the count, or None where hidden. None here: each
    # table protected by itself (the programme's pooled figures, which publish no counts).
    published: Mapping[str, int | None] | None = None

    def _text(self, name: str, raw: int) -> str:
        if self.published is None:
            return count(raw)
        return _cell(self.published.get(name))

    @property
    def started_text(self) -> str:
        return self._text("started", self.n_started)

    @property
    def paired_text(self) -> str:
        return self._text("paired", self.n_paired)

    @property
    def categorised_label(self) -> str:
        return self._text("categorised", self.n_categorised)

    @property
    def paired_label(self) -> str:
        return f"{self.paired_text} par af {self.started_text} startet"


def _age(born: Any, day: Any) -> int:
    return int(day.year - born.year - ((day.month, day.day) < (born.month, born.day)))


def _total(row: Row | None) -> float | None:
    if row is None:
        return None
    v = row.scores.get("total")
    return None if v is None else float(v)


def select(rows: Iterable[Row], filters: Filters) -> list[tuple[Row, Row | None]]:
    """(baseline, follow-up or None) per delivery with a scored baseline in the age group and
    period of the filters."""
    by_delivery: dict[int, dict[str, Row]] = defaultdict(dict)
    for r in rows:
        by_delivery[r.delivery_id].setdefault(r.phase, r)
    out = []
    ages = filters.age_range
    for phases in by_delivery.values():
        before = phases.get(Phase.BEFORE)
        if before is None or _total(before) is None:
            continue
        if ages and not ages[0] <= _age(before.birth_date, before.answered_on) <= ages[1]:
            continue
        if filters.date_from and before.answered_on < filters.date_from:
            continue
        if filters.date_to and before.answered_on > filters.date_to:
            continue
        after = phases.get(Phase.AFTER)
        out.append((before, after if _total(after) is not None else None))
    return out


def cells(rows: Iterable[Row], filters: Filters) -> list[Cell]:
    """The rows of :func:`select`, grouped as :func:`selectors.pair_cells` groups them in the
    database (for callers that have rows, and for the tests that check the two agree)."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for b, a in select(rows, filters):
        key = (
            b.form,
            b.norm_set,
            None if a is None else a.norm_set,
            _total(b),
            _total(a),
            b.scores.get("total_band"),
            None if a is None else a.scores.get("total_band"),
        )
        acc = groups.setdefault(key, [0, [[0, 0.0, 0.0, 0.0, 0.0] for _ in SUBSCALES]])
        acc[0] += 1
        if a is None:
            continue
        for (name, _), sums in zip(SUBSCALES, acc[1], strict=True):
            x, y = b.scores.get(name), a.scores.get(name)
            if x is None or y is None:
                continue
            d = float(y) - float(x)
            sums[0] += 1
            sums[1] += float(x)
            sums[2] += float(y)
            sums[3] += d
            sums[4] += d * d
    return [
        Cell(form, nb, na, tb, ta, bb, ba, n, tuple(tuple(x) for x in subs))
        for (form, nb, na, tb, ta, bb, ba), (n, subs) in groups.items()
    ]


def categories(pairs: Sequence[Cell]) -> list[int]:
    """:func:`spor.sdq.change_category` per cell of pairs, with the norm set the pair was
    banded with (``-1`` if before and after were banded differently or not at all)."""
    codes = [-1] * len(pairs)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    keys: dict[tuple[str, str], tuple[str, str]] = {}
    for i, c in enumerate(pairs):
        if c.norm_before and c.norm_before == c.norm_after:
            k = (c.norm_before, c.form)
            if k not in keys:
                keys[k] = (c.norm_before.split("@", 1)[0], questionnaire.sdq_informant(c.form))
            groups[keys[k]].append(i)
    for (ns_id, informant), idx in groups.items():
        before = [pairs[i].before for i in idx]
        after = [pairs[i].after for i in idx]
        try:
            cats = sdq.change_category(
                before, after, informant=informant, scale="total", norm_set=ns_id
            )
        except sdq.SDQError:
            continue
        for i, c in zip(idx, cats.tolist(), strict=True):
            codes[i] = int(c)
    return codes


def _share(key: str, k: int, n: int, hidden: bool) -> Share:
    label = stats.CHANGE_SUMMARY_LABELS_DA[key]
    if hidden or n < THRESHOLD:
        return Share(key, label, False)
    p = stats.proportion(k, n)
    return Share(
        key,
        label,
        True,
        f"{p.label} ({pct(p.share)})",
        f"{pct(p.ci_low)} til {pct(p.ci_high)}",
        k,
        n,
        p.share,
    )


def _published_share(key: str, k: int, n: int, n_ok: bool, published: int | None) -> Share:
    """A share of the lattice's counts: hidden with its count, or where the number of pairs
    it is of is; a count of 0 is shown as 0 all the same (zeros are never hidden)."""
    if published == 0 and not n_ok:
        return Share(key, stats.CHANGE_SUMMARY_LABELS_DA[key], True, "0", "", 0, None, None)
    return _share(key, k, n, not n_ok or published is None)


def _change(label: str, pc: stats.PairedChange | None) -> Change | None:
    if pc is None or pc.n < THRESHOLD:
        return None
    return Change(
        label,
        pc.n,
        num(pc.mean_before),
        num(pc.mean_after),
        num(pc.mean_change),
        f"{num(pc.ci_low)} til {num(pc.ci_high)}",
    )


def _subscale_change(pairs: Sequence[Cell], i: int) -> stats.PairedChange | None:
    # Each of the five sums added up left to right over the cells, as ``sum`` over a
    # generator would: the same floats to the last bit, in one pass.
    sums = [sum(col) for col in zip(*(c.subscales[i] for c in pairs), strict=True)]
    n, sb, sa, sd, sd2 = sums if sums else [0] * 5
    if n < THRESHOLD:
        return None
    return stats.paired_change_from_sums(int(n), sb, sa, sd, sd2)


def _subscale_changes(pairs: Sequence[Cell]) -> list[stats.PairedChange | None]:
    """:func:`_subscale_change` of every subscale, the sums turned column-wise in C."""
    if any(len(c.subscales) != len(SUBSCALES) for c in pairs):
        return [_subscale_change(pairs, i) for i in range(len(SUBSCALES))]
    out: list[stats.PairedChange | None] = []
    for scale in zip(*(c.subscales for c in pairs), strict=True):
        sums = [sum(col) for col in zip(*scale, strict=True)]
        n, sb, sa, sd, sd2 = sums if sums else [0] * 5
        out.append(
            None if n < THRESHOLD else stats.paired_change_from_sums(int(n), sb, sa, sd, sd2)
        )
    if not out:
        out = [None] * len(SUBSCALES)
    return out


def transition_ref(pairs: Sequence[Cell]) -> tuple[str, tuple[str, ...]] | None:
    """The norm set of the band table (the one banding most pairs both before and after;
    ties: the first met) and its band codes, or ``None``."""
    refs: Counter[str] = Counter()
    for c in pairs:
        if c.norm_before and c.norm_before == c.norm_after:
            refs[c.norm_before] += c.n
    if not refs:
        return None
    ref = refs.most_common(1)[0][0]
    try:
        ns = sdq.load_norm_set(ref.split("@", 1)[0])
    except sdq.SDQError:
        return None
    return ref, tuple(ns.codes)


def band_key(name_before: str, name_after: str) -> str:
    """The name of a band table's count in a view's published counts (``*``: all bands)."""
    return f"band:{name_before}:{name_after}"


def _transitions(
    pairs: Sequence[Cell], published: Mapping[str, int | None] | None = None
) -> Transitions | None:
    found = transition_ref(pairs)
    if found is None:
        return None
    ref, codes = found
    labels = [questionnaire.band_label(ref, c) or c for c in codes]
    if published is not None:
        total = published.get(band_key("*", "*"))
        if total is None or total < THRESHOLD:
            return None
        grid = [[published.get(band_key(b, a)) for a in (*codes, "*")] for b in (*codes, "*")]
        rows = [
            (labels[i] if i < len(labels) else "I alt", [_cell(v) for v in r])
            for i, r in enumerate(grid)
        ]
        return Transitions(questionnaire.norm_set_title(ref), labels, rows)
    # The same counts from each (band before, band after) and its children: a few
    # entries instead of one per cell.
    summed: dict[tuple[str | None, str | None], int] = defaultdict(int)
    for c in pairs:
        if c.norm_before == ref and c.norm_after == ref:
            summed[(c.band_before, c.band_after)] += c.n
    return _transition_table(ref, codes, labels, summed)


def _transition_table(
    ref: str,
    codes: Sequence[str],
    labels: list[str],
    summed: Mapping[tuple[str | None, str | None], int],
) -> Transitions | None:
    """The band table protected by itself, from the children per (band before, after)."""
    table = stats.band_transitions(
        [b for b, _ in summed],
        [a for _, a in summed],
        bands=list(codes),
        weights=list(summed.values()),
    )
    if table.n < THRESHOLD:
        return None
    suppressed = disclosure.suppress([list(r) for r in table.counts])
    shown = suppressed.display(mark=disclosure.HIDDEN_MARK)
    rows = [(labels[i] if i < len(labels) else "I alt", list(r)) for i, r in enumerate(shown)]
    return Transitions(questionnaire.norm_set_title(ref), labels, rows)


def rci_group(pairs: Sequence[Cell]) -> tuple[sdq.RciParameters, list[int]] | None:
    """The reliable-change parameters of most of the pairs (norm set and informant), and the
    pairs that share them; ``None`` if no pair's norm set gives them."""
    by_params: dict[tuple[float, float, float], list[int]] = defaultdict(list)
    first: dict[tuple[float, float, float], sdq.RciParameters] = {}
    # Looked up once per form and norm set, not per cell (the same answer each time).
    known: dict[tuple[str, str], sdq.RciParameters | None] = {}
    for i, c in enumerate(pairs):
        if not c.norm_before or c.norm_before != c.norm_after:
            continue
        wanted = (c.form, c.norm_before)
        if wanted not in known:
            try:
                known[wanted] = sdq.rci_details(
                    questionnaire.sdq_informant(c.form), "total", c.norm_before.split("@", 1)[0]
                )
            except sdq.SDQError:
                known[wanted] = None
        p = known[wanted]
        if p is None:
            continue
        key = (p.sd, p.mean, p.reliability)
        by_params[key].append(i)
        first.setdefault(key, p)
    if not by_params:
        return None
    key = max(by_params, key=lambda k: sum(pairs[i].n for i in by_params[k]))
    return first[key], by_params[key]


def _protected_counts(counts: list[int], n: int, default: int, shown_default: bool) -> list[bool]:
    """Which counts of nested sets (the same children under different thresholds) can be shown:
    each is 0 or at least THRESHOLD, and so is its difference from every other shown count, so
    that no small group can be worked out by subtraction; the default row only if the page
    shows it elsewhere."""
    ok = [False] * len(counts)

    def fine(x: int) -> bool:
        return x == 0 or x >= THRESHOLD

    order = sorted(
        range(len(counts)), key=lambda i: (i != default, abs(counts[i] - counts[default]))
    )
    for i in order:
        if i == default and not shown_default:
            continue
        k = counts[i]
        if (
            fine(k)
            and fine(n - k)
            and all(fine(abs(k - counts[j])) for j in range(len(counts)) if ok[j])
        ):
            ok[i] = True
    return ok


def _honest(
    fig: Figures,
    pairs: Sequence[Cell],
    shown: dict[str, bool],
    published: Mapping[str, int | None] | None = None,
) -> None:
    """Reliable change with its parameters named, the change beyond regression to the mean,
    and both over the plausible range of the reliability."""
    group = rci_group(pairs)
    if group is None:
        return
    params, idx = group
    chosen = [pairs[i] for i in idx]
    w = [c.n for c in chosen]
    if sum(w) < THRESHOLD:
        return
    _reliable(
        fig,
        params,
        _repeat([c.before for c in chosen], w),
        _repeat([c.after for c in chosen], w),
        shown,
        published,
    )


def _reliable(
    fig: Figures,
    params: sdq.RciParameters,
    before: np.ndarray,
    after: np.ndarray,
    shown: dict[str, bool],
    published: Mapping[str, int | None] | None,
) -> None:
    """:func:`_honest` from the pairs of the chosen parameters, one entry per child."""
    out = outcome.evaluate_pairs(before, after, params=params)
    fig.outcome = out
    fig.rci_label = params.label_da()
    fig.rci_threshold = num(params.critical_change)
    # With the lattice's counts, figures about the pairs of these parameters are shown only
    # when their number is shown and at least THRESHOLD.
    n_shown = published is None or (published.get("rci_n") or 0) >= THRESHOLD
    if n_shown:
        fig.regression = _regression(out.beyond, params)
    rows = out.sensitivity
    default = next(i for i, r in enumerate(rows) if r.default)
    n = out.reliable.n
    counted = [published is None or f"up:{i}" in published for i in range(len(rows))]
    # A count published as 0 is shown as 0 even where its pairs' number is hidden: zeros are
    # never hidden (a reader knows every ◆ is at least 1, and the engine protects on that).
    zero_up = [published is not None and published.get(f"up:{i}") == 0 for i in range(len(rows))]
    zero_down = [
        published is not None and published.get(f"down:{i}") == 0 for i in range(len(rows))
    ]
    if published is not None:
        show_up = [n_shown and published.get(f"up:{i}") is not None for i in range(len(rows))]
        show_down = [n_shown and published.get(f"down:{i}") is not None for i in range(len(rows))]
    else:
        show_up = _protected_counts(
            [r.counts.improved for r in rows], n, default, shown["any_reliable_improvement"]
        )
        show_down = _protected_counts(
            [r.counts.deteriorated for r in rows], n, default, shown["reliable_deterioration"]
        )
    for r, up, down, has, up0, down0 in zip(
        rows, show_up, show_down, counted, zero_up, zero_down, strict=True
    ):
        beyond = "–"
        if r.beyond is not None and n_shown:
            beyond = f"{num(r.beyond.beyond)} ({num(r.beyond.ci_low)} til {num(r.beyond.ci_high)})"
        fig.sensitivity.append(
            SensitivityRow(
                reliability=num(r.reliability, 2),
                kind=sdq.RELIABILITY_KINDS_DA.get(r.reliability_kind, r.reliability_kind),
                threshold=num(r.counts.critical_change),
                improved=(
                    _count_share(r.counts.improved, n)
                    if up
                    else "0"
                    if up0
                    else SUPPRESSED
                    if has
                    else NOT_COUNTED
                ),
                deteriorated=(
                    _count_share(r.counts.deteriorated, n)
                    if down
                    else "0"
                    if down0
                    else SUPPRESSED
                    if has
                    else NOT_COUNTED
                ),
                beyond=beyond,
                default=r.default,
                improved_k=r.counts.improved if up or up0 else None,
                deteriorated_k=r.counts.deteriorated if down or down0 else None,
                n=n if n_shown else None,
                counted=has,
            )
        )


def _regression(b: stats.BeyondRegression | None, params: sdq.RciParameters) -> Regression | None:
    """The change beyond regression to the mean as the page shows it."""
    if b is None:
        return None
    return Regression(
        n=b.n,
        expected=num(b.expected_regression),
        beyond=num(b.beyond),
        ci=f"{num(b.ci_low)} til {num(b.ci_high)}",
        standardised=num(b.standardised, 2),
        parameters=(
            f"normgruppens gennemsnit μ = {num(b.population_mean)}, "
            f"SD {num(b.population_sd)}, test-retest-reliabilitet r = "
            f"{num(b.reliability, 2)} ({params.norm_set})"
        ),
    )


def _count_share(k: int, n: int) -> str:
    return f"{k} af {n} ({pct(k / n)})"


# ------------------------------------------------------------------------- charts

W, H, L, R, T, B = 640, 220, 40, 10, 14, 30


def histogram(
    before: Sequence[float] | np.ndarray, after: Sequence[float] | np.ndarray
) -> SvgChart:
    """Total difficulties before and after, in bins of 4 points (36–40 last), side by side."""
    edges = [*range(0, 40, 4), 41]
    hb, _ = np.histogram(before, bins=edges)
    ha, _ = np.histogram(after, bins=edges)
    top = max(1, int(max(hb.max(initial=0), ha.max(initial=0))))
    span_x, span_y = W - L - R, H - T - B
    slot = span_x / (len(edges) - 1)
    bars = []
    for i, (nb, na) in enumerate(zip(hb.tolist(), ha.tolist(), strict=True)):
        for j, (v, kind) in enumerate(((nb, "before"), (na, "after"))):
            h = span_y * v / top
            bars.append(
                Bar(round(L + i * slot + 3 + j * (slot - 6) / 2, 1), round(T + span_y - h, 1),
                    round((slot - 6) / 2, 1), round(h, 1), kind)
            )  # fmt: skip
    axis = [(round(L + i * slot + slot / 2, 1), f"{e}–{e + 3 if e < 36 else 40}")
            for i, e in enumerate(edges[:-1])]  # fmt: skip
    desc = (
        f"Søjlediagram over samlet vanskelighedsscore for {len(before)} børn, i intervaller "
        f"på 4 point: lyse søjler før, mørke efter. Gennemsnit før {num(float(np.mean(before)))}, "
        f"efter {num(float(np.mean(after)))}."
    )
    return SvgChart(W, H, bars, axis, T + span_y, desc)


MAX_BARS = 300


def per_child(changes: Sequence[float] | np.ndarray) -> SvgChart:
    """Each child's change (after − before), sorted; below the line is an improvement.

    With more children than :data:`MAX_BARS`, each bar is the change at evenly spaced ranks
    (a quantile plot), so the chart keeps its size for a whole programme."""
    everyone = np.sort(np.asarray(changes, dtype=float))
    ordered = everyone
    if everyone.size > MAX_BARS:
        ordered = everyone[np.linspace(0, everyone.size - 1, MAX_BARS).round().astype(int)]
    top = max(1.0, float(np.abs(everyone).max()))
    span_x, span_y = W - L - R, H - T - B
    zero = T + span_y / 2
    slot = span_x / len(ordered)
    bars = []
    for i, c in enumerate(ordered.tolist()):
        h = abs(c) / top * span_y / 2
        kind = "better" if c < 0 else "worse" if c > 0 else "same"
        bars.append(Bar(round(L + i * slot, 2), round(zero - h if c > 0 else zero, 1),
                        round(max(slot - 1, 0.5), 2), round(max(h, 0.8), 1), kind))  # fmt: skip
    axis = [(round(zero - span_y / 2, 1), f"+{num(top, 0)}"), (round(zero, 1), "0"),
            (round(zero + span_y / 2, 1), f"−{num(top, 0)}")]  # fmt: skip
    better = int((everyone < 0).sum())
    worse = int((everyone > 0).sum())
    same = int(everyone.size) - better - worse
    sampled = (
        f" Hver søjle er ændringen ved et af {len(ordered)} jævnt fordelte placeringer."
        if everyone.size > len(ordered)
        else ""
    )
    desc = (
        f"Ændringen i samlet vanskelighedsscore for hvert af {everyone.size} børn, sorteret fra "
        f"største fald til største stigning.{sampled} Lavere score efter: {count(better)} børn; "
        f"uændret: {count(same)}; højere: {count(worse)}."
    )
    return SvgChart(W, H, bars, axis, zero, desc)


# ------------------------------------------------------------------------- all of it


def compute(rows: Iterable[Row], filters: Filters) -> Figures:
    """The figures from response rows (see :func:`compute_cells` for the fast path)."""
    return compute_cells(cells(rows, filters), filters)


def _repeat(values: Sequence[float | None], counts: Sequence[int]) -> np.ndarray:
    return np.repeat(np.array(values, dtype=float), np.array(counts, dtype=np.int64))


def _big(v: int | None) -> bool:
    return v is not None and v >= THRESHOLD


def compute_cells(
    chosen: Sequence[Cell],
    filters: Filters,
    *,
    published: Mapping[str, int | None] | None = None,
) -> Figures:
    """The figures of the page from the started deliveries, grouped as :class:`Cell`s.

    ``published``: the view's counts as protected together with every other view
    (:mod:`spor.evaluation.web.lattice`; ``None`` = hidden); a figure about a group of
    children is shown only when the group's count is shown and at least THRESHOLD. Without
    it, each table is protected by itself (:func:`disclosure.suppress`)."""
    pairs = [c for c in chosen if c.after is not None]
    refs = sorted(
        {r for c in chosen for r in (c.norm_before, c.norm_after) if r}  # a set of norm refs
    )
    fig = Figures(
        filters=filters,
        n_started=sum(c.n for c in chosen),
        n_paired=sum(c.n for c in pairs),
        norm_titles=[questionnaire.norm_set_title(ref) for ref in refs],
        published=published,
    )
    pub = published
    fig.started_shown = fig.n_started >= THRESHOLD if pub is None else _big(pub.get("started"))
    fig.shown = fig.n_paired >= THRESHOLD if pub is None else _big(pub.get("paired"))
    if fig.started_shown:
        base = _repeat([c.before for c in chosen], [c.n for c in chosen])
        done_flags = np.repeat(
            np.array([c.after is not None for c in chosen], dtype=bool),
            np.array([c.n for c in chosen], dtype=np.int64),
        )
        att = stats.attrition(base, done_flags)
        counts = None if pub is None else (pub.get("paired"), pub.get("noncompleted"))
        fig.attrition = _attrition_lines(att, fig.started_text, counts)
    if not fig.shown:
        return fig
    weights = [c.n for c in pairs]
    before = _repeat([c.before for c in pairs], weights)
    after = _repeat([c.after for c in pairs], weights)
    fig.before, fig.after = before.tolist(), after.tolist()
    fig.total = _change("Samlet vanskelighedsscore", stats.paired_change(before, after))
    es = stats.effect_sizes(before, after)
    fig.effects = [(label, num(value, 2)) for label, value in _labelled(es)]
    codes = categories(pairs)
    fig.category_codes = np.repeat(np.array(codes, dtype=np.int64), weights).tolist()
    shares, n = _category_counts(codes, weights)
    fig.n_categorised = n
    if pub is None:
        suppressed = disclosure.suppress([shares[k] for k in EXCLUSIVE])
        hidden = dict(zip(EXCLUSIVE, suppressed.hidden, strict=False))
        fig.categories = [_share(k, shares[k], n, bool(hidden[k])) for k in EXCLUSIVE]
        for key, parts in UNIONS.items():
            k = shares[key]
            # A union of a hidden part with anything could reveal a hidden cell: shown only
            # when both parts are.
            hide = (0 < k < THRESHOLD) or any(bool(hidden[p]) for p in parts)
            fig.unions.append(_share(key, k, n, hide))
    else:
        n_ok = _big(pub.get("categorised"))
        fig.categories = [
            _published_share(k, shares[k], n, n_ok, pub.get(f"cat:{k}")) for k in EXCLUSIVE
        ]
        fig.unions = [
            _published_share(key, shares[key], n, n_ok, pub.get(f"union:{key}")) for key in UNIONS
        ]
    shown = {s.key: s.shown for s in [*fig.categories, *fig.unions]}
    _honest(fig, pairs, shown, pub)
    fig.transitions = _transitions(pairs, pub)
    for (_, label), pc in zip(SUBSCALES, _subscale_changes(pairs), strict=True):
        if pub is not None and (pc is None or pc.n != fig.n_paired):
            # Its number of pairs would be one more count: shown only when it is the pairs'.
            continue
        change = _change(label, pc)
        if change is not None:
            fig.subscales.append(change)
    # No chart of each child's change, and no score histogram, in anything publishable: a
    # bar of one child gives that child's score away, and the bins would be one more
    # grouping of the same children beside the tables (docs/evaluation.md).
    return fig


def _category_counts(codes: Sequence[int], weights: Sequence[int]) -> tuple[dict[str, int], int]:
    """:func:`stats.change_category_counts` of the cells' codes, from the children per code
    (the same counts, a few entries instead of one per cell). With no pair categorised
    (banded with different norm sets, or a norm set without reliable-change parameters)
    every count is 0 of 0, and each share is shown as too few pairs."""
    per_code: dict[int, int] = defaultdict(int)
    for code, w in zip(codes, weights, strict=True):
        per_code[int(code)] += int(w)
    return stats.change_category_counts(list(per_code), weights=list(per_code.values()))


def _labelled(es: stats.EffectSizes) -> list[tuple[str, float]]:
    keys = ("dz", "d_av", "hedges_g_av")
    return [(stats.EFFECT_LABELS_DA[k], float(getattr(es, k))) for k in keys]


def _attrition_lines(
    att: stats.Attrition, started_text: str, shown: tuple[Any, Any] | None
) -> list[tuple[str, str]]:
    """The attrition's lines: with and without a follow-up as published (``shown``: the
    publication's paired and non-completed cells) or, unpublished, small-count suppressed
    here; their means at the start and the difference only when neither count is hidden."""
    if shown is None:
        vals = disclosure.suppress([att.n_completers, att.n_noncompleters]).values
        done = vals[0] if isinstance(vals[0], int) else None
        gone = vals[1] if isinstance(vals[1], int) else None
    else:
        done, gone = shown
    lines = [
        ("Med eftermåling", f"{_cell(done)} af {started_text}"),
        ("Uden eftermåling", f"{_cell(gone)} af {started_text}"),
    ]
    if _big(done) and _big(gone):
        lines += [
            ("Gennemsnit ved start, med eftermåling", num(att.mean_completers)),
            ("Gennemsnit ved start, uden eftermåling", num(att.mean_noncompleters)),
            (
                "Forskel (med − uden), 95 %-interval",
                f"{num(att.difference)} ({num(att.ci_low)} til {num(att.ci_high)})",
            ),
        ]
    return lines


def _cell(v: Any) -> str:
    return SUPPRESSED if v is None else str(v)


# ------------------------------------------------------------ many groups of the same cells


_factorize = factorize  # each value's code (in the order first met) and the values by code

# The fields of a cell read ``by_origin`` (the programme's cells): where and when its
# children were helped, each one vocabulary of the stored columns.
ORIGINS = ("municipality_id", "intervention_id", "kind", "level", "age", "half")


_SMALL_SPAN = 1 << 16


def _firsts(codes: np.ndarray, weights: np.ndarray) -> tuple[list[int], list[int]]:
    """The distinct codes in the order first met, and the weights summed per code."""
    if codes.size and codes.dtype.kind in "iu":
        # Codes into a small vocabulary (bands, norm sets, categories, parameters): counted
        # per code without sorting them, each code's weights added in the cells' order as
        # np.unique's inverse would have them added.
        low = int(codes.min())
        shifted = codes.astype(np.int64) - low
        span = int(shifted.max()) + 1
        if span <= _SMALL_SPAN:
            sums = np.bincount(shifted, weights=weights, minlength=span).astype(np.int64)
            present = np.flatnonzero(np.bincount(shifted, minlength=span))
            first = np.full(span, codes.size, dtype=np.int64)
            np.minimum.at(first, shifted, np.arange(codes.size, dtype=np.int64))
            met = present[np.argsort(first[present], kind="stable")]
            return (met + low).tolist(), sums[met].tolist()
    uniq, first, inv = np.unique(codes, return_index=True, return_inverse=True)
    sums = np.bincount(inv.ravel(), weights=weights, minlength=len(uniq)).astype(np.int64)
    order = np.argsort(first, kind="stable")
    return [int(uniq[i]) for i in order], [int(sums[i]) for i in order]


class Columns:
    """Cells as arrays, one entry per cell in their order, with what :func:`compute_cells`
    works out per cell (change category, reliable-change parameters) worked out once: the
    figures of many groups of the same cells (:func:`compute_columns`, the programme
    evaluator's rows) then cost NumPy per group, not Python per cell."""

    def __init__(self, cells: Sequence[Cell]) -> None:
        size = len(cells)
        self.cells: Sequence[Cell] = cells
        self.n = np.fromiter(map(attrgetter("n"), cells), np.int64, count=size)
        self.before = np.array(list(map(attrgetter("before"), cells)), dtype=float)
        afters = list(map(attrgetter("after"), cells))
        self.paired = np.fromiter(map(operator.is_not, afters, itertools.repeat(None)), bool, size)
        self.after = np.array([0.0 if a is None else a for a in afters], dtype=float)
        norms, self.norms = _factorize(
            itertools.chain(
                map(attrgetter("norm_before"), cells), map(attrgetter("norm_after"), cells)
            ),
            2 * size,
        )
        self.norm_before, self.norm_after = norms[:size], norms[size:]
        # A cell banded with one norm set before and after (a change category, reliable change
        # and the band table are about those).
        truthy = np.array([bool(v) for v in self.norms], dtype=bool)
        self.same = (
            self.paired & (self.norm_before == self.norm_after) & truthy[self.norm_before]
            if size
            else np.zeros(0, dtype=bool)
        )
        bands, self.bands = _factorize(
            itertools.chain(
                map(attrgetter("band_before"), cells), map(attrgetter("band_after"), cells)
            ),
            2 * size,
        )
        self.band_before, self.band_after = bands[:size], bands[size:]
        self.form, self.forms = _factorize(map(attrgetter("form"), cells), size)
        self.subs: np.ndarray | None = None
        self.subs_n: np.ndarray | None = None
        subs = list(map(attrgetter("subscales"), cells))
        width = len(SUBSCALES)
        if size and all(len(s) == width for s in subs):
            flat = list(itertools.chain.from_iterable(itertools.chain.from_iterable(subs)))
            # As the grouped read gives them: whole counts and float sums. Anything else
            # (a sum of ints, a Decimal) is added as Python adds it (_subscale_changes).
            if len(flat) == size * width * 5 and set(map(type, flat[0::5])) <= {int}:
                sums = [flat[k::5] for k in range(1, 5)]
                if all(set(map(type, col)) <= {float} for col in sums):
                    arr = np.array(flat, dtype=float).reshape(size, width, 5)
                    self.subs = arr[:, :, 1:]
                    self.subs_n = np.array(flat[0::5], dtype=np.int64).reshape(size, width)
        self._origins: dict[str, tuple[np.ndarray, list[Any]]] = {}
        self._categories()
        self._rci()

    @classmethod
    def of(cls, cells: Sequence[Cell]) -> Columns:
        """The cells' columns: straight from the arrays where they were read as such
        (:class:`CellArrays`), else from the cells."""
        if isinstance(cells, CellArrays):
            return cls.from_arrays(cells)
        return cls(cells)

    def origin(self, name: str) -> tuple[np.ndarray, list[Any]]:
        """Where or when a cell's children were helped (a field of :data:`ORIGINS`): a code
        per cell, an index into the values beside it (found once)."""
        found = self._origins.get(name)
        if found is None:
            assert name in ORIGINS
            cells = self.cells
            if isinstance(cells, CellArrays):
                found = cells.codes[name], cells.values[name]
            else:
                found = _factorize(map(attrgetter(name), cells), len(cells))
            self._origins[name] = found
        return found

    @classmethod
    def from_arrays(cls, arrays: CellArrays) -> Columns:
        """The columns of cells read as arrays (:func:`selectors.stored_arrays`), without a
        :class:`Cell` per cell: the same columns as ``Columns(list(arrays))`` (the codes may
        be numbered otherwise; nothing computed from them depends on their numbers)."""
        self = cls.__new__(cls)
        self.cells = arrays
        self.n, self.before, self.after = arrays.n, arrays.before, arrays.after
        self.paired = arrays.paired
        self.norm_before, self.norm_after = arrays.codes["norm_before"], arrays.codes["norm_after"]
        self.norms = arrays.values["norm"]
        truthy = np.array([bool(v) for v in self.norms] or [False], dtype=bool)
        self.same = self.paired & (self.norm_before == self.norm_after) & truthy[self.norm_before]
        self.band_before, self.band_after = arrays.codes["band_before"], arrays.codes["band_after"]
        self.bands = arrays.values["band"]
        self.form, self.forms = arrays.codes["form"], arrays.values["form"]
        # Whole counts and float sums, as the stored table gives them (added in the cells'
        # order by compute_columns, as Python's ``sum`` over the cells would).
        self.subs, self.subs_n = (arrays.subs, arrays.subs_n) if len(arrays) else (None, None)
        self._origins = {}
        self._categories()
        self._rci()
        return self

    def _categories(self) -> None:
        """:func:`categories` of every pair: per norm set and form, as it groups them."""
        self.codes = np.full(len(self.n), -1, dtype=np.int64)
        size = len(self.forms)
        key = self.norm_before * size + self.form
        for k in np.unique(key[self.same]).tolist():
            idx = np.flatnonzero(self.same & (key == k))
            ref, form = self.norms[k // size], self.forms[k % size]
            try:
                cats = sdq.change_category(
                    self.before[idx].tolist(),
                    self.after[idx].tolist(),
                    informant=questionnaire.sdq_informant(form),
                    scale="total",
                    norm_set=ref.split("@", 1)[0],
                )
            except sdq.SDQError:
                continue
            self.codes[idx] = np.asarray(cats, dtype=np.int64)

    def _rci(self) -> None:
        """Per cell, as :func:`rci_group` sees it: the parameters of its form and norm set
        (an index into ``params``) and which of them share (sd, mean, reliability)."""
        self.params: list[sdq.RciParameters] = []
        self.rci_param = np.full(len(self.n), -1, dtype=np.int64)
        self.rci_key = np.full(len(self.n), -1, dtype=np.int64)
        keys: dict[tuple[float, float, float], int] = {}
        size = len(self.forms)
        key = self.norm_before * size + self.form
        for k in np.unique(key[self.same]).tolist():
            ref, form = self.norms[k // size], self.forms[k % size]
            try:
                p = sdq.rci_details(
                    questionnaire.sdq_informant(form), "total", ref.split("@", 1)[0]
                )
            except sdq.SDQError:
                continue
            idx = self.same & (key == k)
            self.rci_param[idx] = len(self.params)
            self.params.append(p)
            self.rci_key[idx] = keys.setdefault((p.sd, p.mean, p.reliability), len(keys))


def compute_columns(
    cols: Columns, idx: np.ndarray, filters: Filters, *, row_only: bool = False
) -> Figures:
    """:func:`compute_cells` of the cells ``idx`` (positions in ``cols``, in order), each
    table protected by itself: the same figures to the last bit (every sum over the
    children is taken in the same order, over the same arrays). ``row_only``: only what a
    row of the programme evaluator's tables shows (the counts, the change with its
    interval, the effect sizes and the change beyond regression to the mean), each as the
    whole figures have it; the rest is left empty."""
    idx = np.asarray(idx, dtype=np.int64)
    n = cols.n[idx]
    paired = cols.paired[idx]
    pidx = idx[paired]
    weights = cols.n[pidx]
    # The norm sets met (codes into ``cols.norms``), counted rather than sorted.
    met = np.bincount(
        np.concatenate([cols.norm_before[idx], cols.norm_after[idx]]), minlength=len(cols.norms)
    )
    refs = sorted({r for r in (cols.norms[i] for i in np.flatnonzero(met).tolist()) if r})
    fig = Figures(
        filters=filters,
        n_started=int(n.sum()),
        n_paired=int(weights.sum()),
        norm_titles=[questionnaire.norm_set_title(ref) for ref in refs],
        published=None,
    )
    fig.started_shown = fig.n_started >= THRESHOLD
    fig.shown = fig.n_paired >= THRESHOLD
    if fig.started_shown and not row_only:
        att = stats.attrition(np.repeat(cols.before[idx], n), np.repeat(paired, n))
        fig.attrition = _attrition_lines(att, fig.started_text, None)
    if not fig.shown:
        return fig
    before = np.repeat(cols.before[pidx], weights)
    after = np.repeat(cols.after[pidx], weights)
    fig.total = _change("Samlet vanskelighedsscore", stats.paired_change(before, after))
    es = stats.effect_sizes(before, after)
    fig.effects = [(label, num(value, 2)) for label, value in _labelled(es)]
    if row_only:
        found = _columns_rci_pairs(cols, pidx)
        if found is not None:
            params, b, a = found
            fig.regression = _regression(outcome.beyond_of_pairs(b, a, params=params), params)
        return fig
    fig.before, fig.after = before.tolist(), after.tolist()
    codes = cols.codes[pidx]
    fig.category_codes = np.repeat(codes, weights).tolist()
    shares, n_cat = _category_counts(*_firsts(codes, weights))
    fig.n_categorised = n_cat
    suppressed = disclosure.suppress([shares[k] for k in EXCLUSIVE])
    hidden = dict(zip(EXCLUSIVE, suppressed.hidden, strict=False))
    fig.categories = [_share(k, shares[k], n_cat, bool(hidden[k])) for k in EXCLUSIVE]
    for key, parts in UNIONS.items():
        k = shares[key]
        hide = (0 < k < THRESHOLD) or any(bool(hidden[p]) for p in parts)
        fig.unions.append(_share(key, k, n_cat, hide))
    shown = {s.key: s.shown for s in [*fig.categories, *fig.unions]}
    _columns_honest(fig, cols, pidx, shown)
    fig.transitions = _columns_transitions(cols, pidx)
    if cols.subs is None or cols.subs_n is None:
        changes = _subscale_changes([cols.cells[i] for i in pidx.tolist()])
    else:
        changes = []
        if len(pidx):
            # Added left to right, as Python's ``sum`` over the cells: a sum over the first
            # (slowest) axis of a C-ordered array is one running sum per column (NumPy adds
            # pairwise only along the fast axis), the cumulative sum's last row without
            # writing the rows before it.
            sums = np.add.reduce(np.ascontiguousarray(cols.subs[pidx]), axis=0)
            counts = cols.subs_n[pidx].sum(axis=0)  # whole numbers: exact in any order
            for i in range(len(SUBSCALES)):
                k = int(counts[i])
                sb, sa, sd, sd2 = (_plain(v) for v in sums[i])
                changes.append(
                    None if k < THRESHOLD else stats.paired_change_from_sums(k, sb, sa, sd, sd2)
                )
        else:
            changes = [None] * len(SUBSCALES)
    for (_, label), pc in zip(SUBSCALES, changes, strict=True):
        change = _change(label, pc)
        if change is not None:
            fig.subscales.append(change)
    return fig


def _plain(v: Any) -> float | int:
    """A NumPy sum as the Python number ``sum`` over the same values gives."""
    return int(v) if isinstance(v, np.integer) else float(v)


def _columns_honest(fig: Figures, cols: Columns, pidx: np.ndarray, shown: dict[str, bool]) -> None:
    """:func:`_honest` (its :func:`rci_group`) over the pairs ``pidx``."""
    found = _columns_rci_pairs(cols, pidx)
    if found is not None:
        _reliable(fig, *found, shown, None)


def _columns_rci_pairs(
    cols: Columns, pidx: np.ndarray
) -> tuple[sdq.RciParameters, np.ndarray, np.ndarray] | None:
    """The reliable change's parameters (:func:`rci_group`: those of the most pairs) and
    their pairs among ``pidx``, one entry per child; None when no pair has parameters or
    they are fewer than THRESHOLD."""
    keys = cols.rci_key[pidx]
    valid = keys >= 0
    if not valid.any():
        return None
    kept = pidx[valid]
    first_keys, totals = _firsts(keys[valid], cols.n[kept])
    best = max(range(len(first_keys)), key=lambda i: totals[i])  # ties: the first met
    chosen = kept[keys[valid] == first_keys[best]]
    params = cols.params[int(cols.rci_param[chosen[0]])]
    w = cols.n[chosen]
    if int(w.sum()) < THRESHOLD:
        return None
    return params, np.repeat(cols.before[chosen], w), np.repeat(cols.after[chosen], w)


_NORM_SETS: dict[str, tuple[str, ...] | None] = {}


def _columns_transitions(cols: Columns, pidx: np.ndarray) -> Transitions | None:
    """:func:`_transitions` over the pairs ``pidx``."""
    same = cols.same[pidx]
    if not same.any():
        return None
    kept = pidx[same]
    first_refs, totals = _firsts(cols.norm_before[kept], cols.n[kept])
    best = max(range(len(first_refs)), key=lambda i: totals[i])  # ties: the first met
    ref_code = first_refs[best]
    ref = cols.norms[ref_code]
    if ref not in _NORM_SETS:
        try:
            _NORM_SETS[ref] = tuple(sdq.load_norm_set(ref.split("@", 1)[0]).codes)
        except sdq.SDQError:
            _NORM_SETS[ref] = None
    codes = _NORM_SETS[ref]
    if codes is None:
        return None
    labels = [questionnaire.band_label(ref, c) or c for c in codes]
    on_ref = pidx[(cols.norm_before[pidx] == ref_code) & (cols.norm_after[pidx] == ref_code)]
    nb = len(cols.bands)
    pair_codes, per_pair = _firsts(
        cols.band_before[on_ref] * nb + cols.band_after[on_ref], cols.n[on_ref]
    )
    summed = {
        (cols.bands[k // nb], cols.bands[k % nb]): w
        for k, w in zip(pair_codes, per_pair, strict=True)
    }
    return _transition_table(ref, codes, labels, summed)
