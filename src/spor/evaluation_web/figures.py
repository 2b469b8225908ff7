"""The figures of the evaluation page, from the rows of :mod:`spor.evaluation_web.selectors`
and the pure functions of :mod:`spor.evaluation.stats`. Figures about fewer children than the
disclosure threshold are not shown ("færre end 5")."""

from __future__ import annotations

import inspect
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spor import sdq
from spor.evaluation import disclosure, stats
from spor.evaluation_web.forms import Filters
from spor.evaluation_web.selectors import Row
from spor.measurement import questionnaire
from spor.measurement.models import Phase

THRESHOLD: int = inspect.signature(disclosure.suppress).parameters["threshold"].default
SUPPRESSED = f"færre end {THRESHOLD}"

SUBSCALES = [
    ("emotional", "Følelsesmæssige symptomer"),
    ("conduct", "Adfærdsproblemer"),
    ("hyperactivity", "Hyperaktivitet/opmærksomhed"),
    ("peer", "Problemer med jævnaldrende"),
    ("prosocial", "Prosocial adfærd (højere er bedre)"),
]
EXCLUSIVE = list(sdq.CHANGE_CATEGORIES)
UNIONS = {
    "any_reliable_improvement": ("reliable_improvement", "reliable_recovery"),
    "into_normal_range": ("moved_into_normal_range", "reliable_recovery"),
}


def num(x: float, digits: int = 1) -> str:
    """Danish number: decimal comma, a real minus; '–' for not computable."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{x:.{digits}f}".replace(".", ",")
    return text.replace("-", "−")


def pct(x: float) -> str:
    return f"{num(100 * x, 0)} %"


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


@dataclass
class Change:
    label: str
    n: int
    before: str
    after: str
    change: str
    ci: str


@dataclass
class Transitions:
    norm_title: str
    labels: list[str]
    rows: list[tuple[str, list[Any]]]
    total_label: str = "I alt"


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str


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
    # The raw pairs, for the tests to compare with the pure functions.
    before: list[float] = field(default_factory=list)
    after: list[float] = field(default_factory=list)
    category_codes: list[int] = field(default_factory=list)

    @property
    def categorised_label(self) -> str:
        return count(self.n_categorised)

    @property
    def paired_label(self) -> str:
        return f"{count(self.n_paired)} par af {count(self.n_started)} startet"


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


def _categories(pairs: Sequence[tuple[Row, Row]]) -> list[int]:
    """:func:`spor.sdq.change_category` per pair, with the norm set the pair was banded with
    (``-1`` if before and after were banded differently or not at all)."""
    codes = [-1] * len(pairs)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (b, a) in enumerate(pairs):
        if b.norm_set and b.norm_set == a.norm_set:
            groups[(b.norm_set.split("@", 1)[0], questionnaire.sdq_informant(b.form))].append(i)
    for (ns_id, informant), idx in groups.items():
        before = [_total(pairs[i][0]) for i in idx]
        after = [_total(pairs[i][1]) for i in idx]
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
    )


def _change(label: str, before: np.ndarray, after: np.ndarray) -> Change | None:
    keep = ~(np.isnan(before) | np.isnan(after))
    if int(keep.sum()) < THRESHOLD:
        return None
    pc = stats.paired_change(before[keep], after[keep])
    return Change(
        label,
        pc.n,
        num(pc.mean_before),
        num(pc.mean_after),
        num(pc.mean_change),
        f"{num(pc.ci_low)} til {num(pc.ci_high)}",
    )


def _transitions(pairs: Sequence[tuple[Row, Row]]) -> Transitions | None:
    refs = Counter(b.norm_set for b, a in pairs if b.norm_set and b.norm_set == a.norm_set)
    if not refs:
        return None
    ref = refs.most_common(1)[0][0]
    try:
        ns = sdq.load_norm_set(ref.split("@", 1)[0])
    except sdq.SDQError:
        return None
    chosen = [(b, a) for b, a in pairs if b.norm_set == ref and a.norm_set == ref]
    table = stats.band_transitions(
        [b.scores.get("total_band") for b, _ in chosen],
        [a.scores.get("total_band") for _, a in chosen],
        bands=ns.codes,
    )
    if table.n < THRESHOLD:
        return None
    published = disclosure.suppress([list(r) for r in table.counts])
    labels = [questionnaire.band_label(ref, c) or c for c in ns.codes]
    shown = published.display(mark=disclosure.HIDDEN_MARK)
    rows = [(labels[i] if i < len(labels) else "I alt", list(r)) for i, r in enumerate(shown)]
    return Transitions(questionnaire.norm_set_title(ref), labels, rows)


# ------------------------------------------------------------------------- charts

W, H, L, R, T, B = 640, 220, 40, 10, 14, 30


def histogram(before: Sequence[float], after: Sequence[float]) -> SvgChart:
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


def per_child(changes: Sequence[float]) -> SvgChart:
    """Each child's change (after − before), sorted; below the line is an improvement."""
    ordered = sorted(changes)
    top = max(1.0, max(abs(c) for c in ordered))
    span_x, span_y = W - L - R, H - T - B
    zero = T + span_y / 2
    slot = span_x / len(ordered)
    bars = []
    for i, c in enumerate(ordered):
        h = abs(c) / top * span_y / 2
        kind = "better" if c < 0 else "worse" if c > 0 else "same"
        bars.append(Bar(round(L + i * slot, 2), round(zero - h if c > 0 else zero, 1),
                        round(max(slot - 1, 0.5), 2), round(max(h, 0.8), 1), kind))  # fmt: skip
    axis = [(round(zero - span_y / 2, 1), f"+{num(top, 0)}"), (round(zero, 1), "0"),
            (round(zero + span_y / 2, 1), f"−{num(top, 0)}")]  # fmt: skip
    better = sum(c < 0 for c in ordered)
    worse = sum(c > 0 for c in ordered)
    same = len(ordered) - better - worse
    desc = (
        f"Ændringen i samlet vanskelighedsscore for hvert af {len(ordered)} børn, sorteret fra "
        f"største fald til største stigning. Lavere score efter: {count(better)} børn; "
        f"uændret: {count(same)}; højere: {count(worse)}."
    )
    return SvgChart(W, H, bars, axis, zero, desc)


# ------------------------------------------------------------------------- all of it


def compute(rows: Iterable[Row], filters: Filters) -> Figures:
    chosen = select(rows, filters)
    pairs = [(b, a) for b, a in chosen if a is not None]
    refs = sorted({r.norm_set for b, a in chosen for r in (b, a) if r is not None and r.norm_set})
    fig = Figures(
        filters=filters,
        n_started=len(chosen),
        n_paired=len(pairs),
        norm_titles=[questionnaire.norm_set_title(ref) for ref in refs],
    )
    fig.started_shown = fig.n_started >= THRESHOLD
    fig.shown = fig.n_paired >= THRESHOLD
    if fig.started_shown:
        base = [_total(b) for b, _ in chosen]
        att = stats.attrition(base, [a is not None for _, a in chosen])
        done, gone, _ = disclosure.suppress([att.n_completers, att.n_noncompleters]).values
        fig.attrition = [
            ("Med eftermåling", f"{_cell(done)} af {att.followup.n}"),
            ("Uden eftermåling", f"{_cell(gone)} af {att.followup.n}"),
        ]
        if att.n_completers >= THRESHOLD and att.n_noncompleters >= THRESHOLD:
            fig.attrition += [
                ("Gennemsnit ved start, med eftermåling", num(att.mean_completers)),
                ("Gennemsnit ved start, uden eftermåling", num(att.mean_noncompleters)),
                (
                    "Forskel (med − uden), 95 %-interval",
                    f"{num(att.difference)} ({num(att.ci_low)} til {num(att.ci_high)})",
                ),
            ]
    if not fig.shown:
        return fig
    before = np.array([_total(b) for b, _ in pairs], dtype=float)
    after = np.array([_total(a) for _, a in pairs], dtype=float)
    fig.before, fig.after = before.tolist(), after.tolist()
    fig.total = _change("Samlet vanskelighedsscore", before, after)
    es = stats.effect_sizes(before, after)
    fig.effects = [(label, num(value, 2)) for label, value in _labelled(es)]
    codes = _categories(pairs)
    fig.category_codes = codes
    shares = stats.change_categories(codes)
    n = next(iter(shares.values())).n
    fig.n_categorised = n
    published = disclosure.suppress([shares[k].k for k in EXCLUSIVE])
    hidden = dict(zip(EXCLUSIVE, published.hidden, strict=False))
    fig.categories = [_share(k, shares[k].k, n, bool(hidden[k])) for k in EXCLUSIVE]
    for key, parts in UNIONS.items():
        k = shares[key].k
        # A union of a hidden part with anything could reveal a hidden cell: shown only
        # when both parts are.
        hide = (0 < k < THRESHOLD) or any(bool(hidden[p]) for p in parts)
        fig.unions.append(_share(key, k, n, hide))
    fig.transitions = _transitions(pairs)
    for name, label in SUBSCALES:
        b = np.array([_num(x.scores.get(name)) for x, _ in pairs], dtype=float)
        a = np.array([_num(y.scores.get(name)) for _, y in pairs], dtype=float)
        change = _change(label, b, a)
        if change is not None:
            fig.subscales.append(change)
    fig.histogram = histogram(fig.before, fig.after)
    fig.per_child = per_child((after - before).tolist())
    return fig


def _labelled(es: stats.EffectSizes) -> list[tuple[str, float]]:
    keys = ("dz", "d_av", "hedges_g_av")
    return [(stats.EFFECT_LABELS_DA[k], float(getattr(es, k))) for k in keys]


def _cell(v: Any) -> str:
    return SUPPRESSED if v is None else str(v)


def _num(x: Any) -> float:
    return math.nan if x is None else float(x)
