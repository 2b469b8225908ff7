"""The figures' faster path gives the figures the slower one gave, on random cells.

``figures.compute_cells`` sums weights per band pair and per change category before counting,
looks the reliable-change parameters up once per form and norm set, and adds the subscale
sums in one pass per subscale. The functions it replaced are kept below as they were; the
figures of both, and of every cell split into cells of one child, must be equal in every
field — the published counts, the hidden cells and every mean and interval.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import pytest

from spor import sdq
from spor.evaluation import disclosure, stats
from spor.evaluation.web import figures
from spor.evaluation.web.forms import Filters
from spor.evaluation.web.selectors import Cell
from spor.measurement import questionnaire

FORMS = ["parent-4-17", "teacher-4-17", "parent-2-4", "self-11-17"]
NORMS = ["uk-3band@1", "uk-4band@1", "uk-2-4-provisional@1", ""]


# ---------------------------------------------------------------- the functions as they were


def old_categories(pairs: Sequence[Cell]) -> list[int]:
    codes = [-1] * len(pairs)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(pairs):
        if c.norm_before and c.norm_before == c.norm_after:
            ns_id = c.norm_before.split("@", 1)[0]
            groups[(ns_id, questionnaire.sdq_informant(c.form))].append(i)
    for (ns_id, informant), idx in groups.items():
        try:
            cats = sdq.change_category(
                [pairs[i].before for i in idx],
                [pairs[i].after for i in idx],
                informant=informant,
                scale="total",
                norm_set=ns_id,
            )
        except sdq.SDQError:
            continue
        for i, c in zip(idx, cats.tolist(), strict=True):
            codes[i] = int(c)
    return codes


def old_subscale_change(pairs: Sequence[Cell], i: int) -> stats.PairedChange | None:
    n, sb, sa, sd, sd2 = (sum(c.subscales[i][j] for c in pairs) for j in range(5))
    if n < figures.THRESHOLD:
        return None
    return stats.paired_change_from_sums(int(n), sb, sa, sd, sd2)


def old_rci_group(pairs: Sequence[Cell]) -> tuple[sdq.RciParameters, list[int]] | None:
    by_params: dict[tuple[float, float, float], list[int]] = defaultdict(list)
    first: dict[tuple[float, float, float], sdq.RciParameters] = {}
    for i, c in enumerate(pairs):
        if not c.norm_before or c.norm_before != c.norm_after:
            continue
        try:
            p = sdq.rci_details(
                questionnaire.sdq_informant(c.form), "total", c.norm_before.split("@", 1)[0]
            )
        except sdq.SDQError:
            continue
        key = (p.sd, p.mean, p.reliability)
        by_params[key].append(i)
        first.setdefault(key, p)
    if not by_params:
        return None
    key = max(by_params, key=lambda k: sum(pairs[i].n for i in by_params[k]))
    return first[key], by_params[key]


def old_transitions(pairs: Sequence[Cell], published: Any = None) -> figures.Transitions | None:
    assert published is None
    found = figures.transition_ref(pairs)
    if found is None:
        return None
    ref, codes = found
    labels = [questionnaire.band_label(ref, c) or c for c in codes]
    chosen = [c for c in pairs if c.norm_before == ref and c.norm_after == ref]
    table = stats.band_transitions(
        [c.band_before for c in chosen],
        [c.band_after for c in chosen],
        bands=list(codes),
        weights=[c.n for c in chosen],
    )
    if table.n < figures.THRESHOLD:
        return None
    shown = disclosure.suppress([list(r) for r in table.counts]).display(
        mark=disclosure.HIDDEN_MARK
    )
    rows = [(labels[i] if i < len(labels) else "I alt", list(r)) for i, r in enumerate(shown)]
    return figures.Transitions(questionnaire.norm_set_title(ref), labels, rows)


def old_category_counts(codes: Sequence[int], weights: Sequence[int]) -> Any:
    return stats.change_category_counts(codes, weights=weights)


# ----------------------------------------------------------------------------- random cells


def random_cells(rng: random.Random, n_cells: int) -> list[Cell]:
    out = []
    for _ in range(n_cells):
        form = rng.choice(FORMS)
        norm = rng.choice(NORMS[:2]) if rng.random() < 0.85 else rng.choice(NORMS)
        ns = sdq.load_norm_set(norm.split("@")[0]) if norm else None
        bands = list(ns.codes) if ns else ["normal"]
        paired = rng.random() < 0.75
        same = rng.random() < 0.9
        before = float(rng.randint(0, 40))
        after = float(rng.randint(0, 40)) if paired else None
        n = rng.choice([1, 1, 2, 3, 5, 8, 13])
        subs = []
        for _ in figures.SUBSCALES:
            k = rng.randint(0, n) if paired else 0
            b = [rng.randint(0, 10) for _ in range(k)]
            a = [rng.randint(0, 10) for _ in range(k)]
            d = [y - x for x, y in zip(b, a, strict=True)]
            subs.append(
                (k, float(sum(b)), float(sum(a)), float(sum(d)), float(sum(x * x for x in d)))
            )
        out.append(
            Cell(
                form=form,
                norm_before=norm,
                norm_after=(norm if same else rng.choice(NORMS)) if paired else None,
                before=before,
                after=after,
                band_before=rng.choice(bands) if rng.random() < 0.95 else None,
                band_after=rng.choice(bands) if paired else None,
                n=n,
                subscales=tuple(subs),
            )
        )
    return out


def as_dict(fig: figures.Figures) -> dict[str, Any]:
    return dataclasses.asdict(fig)


def old_figure_functions(m: pytest.MonkeyPatch) -> None:
    """The per-pair functions of ``figures`` as they were before the fast paths."""
    m.setattr(figures, "categories", old_categories)
    m.setattr(
        figures,
        "_subscale_changes",
        lambda pairs: [old_subscale_change(pairs, i) for i in range(len(figures.SUBSCALES))],
    )
    m.setattr(figures, "rci_group", old_rci_group)
    m.setattr(figures, "_transitions", old_transitions)
    m.setattr(figures, "_category_counts", old_category_counts)


@pytest.mark.parametrize("seed", range(12))
def test_the_fast_figures_are_the_figures_of_the_old_functions(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    cells = random_cells(rng, rng.choice([3, 20, 80, 300]))
    filters = Filters()
    fast = figures.compute_cells(cells, filters)
    with monkeypatch.context() as m:
        old_figure_functions(m)
        slow = figures.compute_cells(cells, filters)
    assert as_dict(fast) == as_dict(slow)
    assert fast.shown == (sum(c.n for c in cells if c.after is not None) >= figures.THRESHOLD)


@pytest.mark.parametrize("seed", range(6))
def test_cells_split_child_by_child_give_the_same_counts(seed: int) -> None:
    """Summing weights first changes no count: the same cells, one child each, give the same
    counts and hidden cells."""
    rng = random.Random(100 + seed)
    cells = random_cells(rng, 60)
    ones = []
    for c in cells:
        for k in range(c.n):
            subs = tuple(
                s if k == 0 else (0, 0.0, 0.0, 0.0, 0.0) for s in c.subscales
            )  # the sums stay with the first child: the same totals
            ones.append(dataclasses.replace(c, n=1, subscales=subs))
    grouped, split = figures.compute_cells(cells, Filters()), figures.compute_cells(ones, Filters())
    for name in ("n_started", "n_paired", "n_categorised", "shown", "started_shown"):
        assert getattr(grouped, name) == getattr(split, name)
    assert Counter(grouped.category_codes) == Counter(split.category_codes)
    assert [dataclasses.asdict(s) for s in grouped.categories] == [
        dataclasses.asdict(s) for s in split.categories
    ]
    assert grouped.transitions == split.transitions
    assert grouped.sensitivity == split.sensitivity


def cells_key(cells: list[Cell]) -> list[tuple[Any, ...]]:
    """Every field of every cell as plain tuples: the per-cell reference for the key of the
    figures kept per process (``selectors.cells_in_order`` writes the same fields)."""
    return [
        (c.form, c.norm_before, c.norm_after, c.before, c.after, c.band_before, c.band_after,
         c.n, c.subscales, c.municipality_id, c.kind, c.intervention_id, c.level, c.age, c.half)
        for c in cells
    ]  # fmt: skip


def test_the_key_of_kept_figures_holds_every_field_of_a_cell() -> None:
    """The figures kept per process are found by :func:`cells_key` of their cells: a field
    left out would let two different readings share a result."""
    cell = random_cells(random.Random(7), 1)[0]
    values = [getattr(cell, f.name) for f in dataclasses.fields(Cell)]
    assert list(cells_key([cell])[0]) == values
