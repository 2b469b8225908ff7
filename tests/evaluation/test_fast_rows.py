"""The rows' figures without a sort per row give the figures the sorting code gave.

The evaluator's national publication works out the figures of every row (each municipality,
type, level, age group, half-year and pejlemærke) from the same cells. Three steps that
sorted a row's children or cells now count them instead (session 11):

* ``outcome.evaluate_pairs`` finds the baselines' distinct values once per row, by counting
  whole scores (``outcome._Baselines``), not once per reliability and shift with
  ``np.unique`` inside ``stats.expected_improvement_share``;
* ``figures._firsts`` counts codes into a small vocabulary with ``np.bincount`` and finds
  the order first met with ``np.minimum.at``, not with ``np.unique``;
* ``stats.between_municipalities`` groups an array of municipality ids with NumPy, not with
  a Python append per child.

The code they replaced is kept below (or reached through the unchanged path, a list of ids)
as the reference; every figure, every hidden cell must be the same, on random cells of many
seeds, rows of 0, 1 and 2 pairs, rows with no change category, other norm sets, prorated
(not whole) scores and cells without subscales.
"""

from __future__ import annotations

import dataclasses
import math
import random
from typing import Any

import numpy as np
import pytest

from spor import sdq
from spor.evaluation import outcome, stats
from spor.evaluation.national import tables
from spor.evaluation.web import figures
from spor.evaluation.web.forms import Filters
from spor.lib import memo
from tests.evaluation.test_fast_figures import old_figure_functions, random_cells
from tests.evaluation.test_fast_tables import random_data

# ---------------------------------------------------------------- the code as it was


def old_firsts(codes: np.ndarray, weights: np.ndarray) -> tuple[list[int], list[int]]:
    uniq, first, inv = np.unique(codes, return_index=True, return_inverse=True)
    sums = np.bincount(inv.ravel(), weights=weights, minlength=len(uniq)).astype(np.int64)
    order = np.argsort(first, kind="stable")
    return [int(uniq[i]) for i in order], [int(sums[i]) for i in order]


class OldBaselines(outcome._Baselines):
    """Every expected share sorts the baselines again (``np.unique`` in
    ``stats.expected_improvement_share``), as before session 11."""

    def __init__(self, before: np.ndarray) -> None:
        self.before = before
        self.whole = bool(np.all(before == np.round(before)))
        self.distinct = None


_between_municipalities = stats.between_municipalities


def old_between_municipalities(values: Any, ids: Any) -> stats.Variation:
    """The per-child loop: the ids as a list take it."""
    return _between_municipalities(values, np.asarray(ids).tolist())


def old_paths(m: pytest.MonkeyPatch) -> None:
    m.setattr(figures, "_firsts", old_firsts)
    m.setattr(outcome, "_Baselines", OldBaselines)
    m.setattr(tables.stats, "between_municipalities", old_between_municipalities)


# ----------------------------------------------------------------------------- the tests


def random_codes(rng: random.Random) -> np.ndarray:
    size = rng.choice([0, 1, 2, 3, 10, 200])
    low = rng.choice([-1, 0, 0, 5, 1 << 20])
    span = rng.choice([1, 2, 4, 30, 1 << 17])  # the last is past the counted path
    return np.array([low + rng.randrange(span) for _ in range(size)], dtype=np.int64)


@pytest.mark.parametrize("seed", range(200))
def test_firsts_counts_what_the_sort_found(seed: int) -> None:
    rng = random.Random(seed)
    codes = random_codes(rng)
    weights = np.array([rng.choice([1, 2, 3, 7, 1000]) for _ in codes], dtype=np.int64)
    got = figures._firsts(codes, weights)
    assert got == old_firsts(codes, weights)
    assert all(type(v) is int for part in got for v in part)


def random_scores(rng: random.Random, size: int) -> np.ndarray:
    kind = rng.choice(["whole", "whole", "prorated", "negative", "large"])
    if kind == "whole":
        return np.array([float(rng.randint(0, 40)) for _ in range(size)])
    if kind == "prorated":  # a few scores scaled up from answered items: not whole numbers
        return np.array(
            [rng.randint(0, 40) * rng.choice([1.0, 1.0, 10 / 9, 5 / 4]) for _ in range(size)]
        )
    if kind == "negative":
        return np.array([float(rng.randint(-5, 10)) for _ in range(size)])
    return np.array([float(rng.choice([0, 3, 1 << 17, 1 << 20])) for _ in range(size)])


PARAMS = [
    sdq.rci_details(informant, "total", norm)
    for informant in ("parent", "teacher")
    for norm in ("uk-3band", "uk-4band")
]


@pytest.mark.parametrize("seed", range(60))
def test_evaluate_pairs_is_what_it_was_with_a_sort_per_share(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    size = rng.choice([2, 3, 5, 40, 500])
    before, after = random_scores(rng, size), random_scores(rng, size)
    if rng.random() < 0.3:  # missing values are left out before anything is counted
        before[rng.randrange(size)] = math.nan
        after[rng.randrange(size)] = math.nan
        if np.isnan(before).sum() + np.isnan(after).sum() > size - 2:
            before[0], after[0], before[-1], after[-1] = 1.0, 2.0, 3.0, 4.0
    params = rng.choice(PARAMS)
    better = rng.random() < 0.3
    new = outcome.evaluate_pairs(before, after, params=params, higher_is_better=better)
    with monkeypatch.context() as m:
        m.setattr(outcome, "_Baselines", OldBaselines)
        old = outcome.evaluate_pairs(before, after, params=params, higher_is_better=better)
    assert repr(new) == repr(old)


@pytest.mark.parametrize("seed", range(40))
def test_the_variation_grouped_by_numpy_is_the_loops(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.choice([3, 10, 300])
    ids = np.array([rng.choice([7, -3, 12, 40_000, 5]) for _ in range(size)], dtype=np.int64)
    ids[:2] = [5, 7]  # at least two municipalities
    values = np.array([rng.randint(-20, 20) * rng.choice([1.0, 0.5, 1 / 3]) for _ in ids])
    if rng.random() < 0.3:
        values[rng.randrange(size)] = math.nan
    for dtype in (np.int64, np.int32, np.uint32):
        if dtype is np.uint32:
            ids = np.abs(ids)
        new = outcome_of(stats.between_municipalities, values, ids.astype(dtype))
        assert new == outcome_of(old_between_municipalities, values, ids)
    assert "GroupSummary(id=np." not in new


def outcome_of(f: Any, *args: Any) -> str:
    """What ``f`` gives, or the message of the error it raises (the same refusals)."""
    try:
        return repr(f(*args))
    except stats.EvaluationError as e:
        return str(e)


def test_the_variation_refuses_what_the_loop_refused() -> None:
    one = np.array([4, 4, 4], dtype=np.int64)
    with pytest.raises(stats.EvaluationError):
        stats.between_municipalities([1.0, 2.0, 3.0], one)
    with pytest.raises(stats.EvaluationError):
        stats.between_municipalities([1.0, 2.0], one)
    with pytest.raises(stats.EvaluationError):  # one child each: N = k
        stats.between_municipalities([1.0, math.nan, 2.0], np.array([1, 2, 3], dtype=np.int64))


def row_cells(rng: random.Random) -> list[Any]:
    """Cells for one row: none, one or two pairs, no change category, another norm set, cells
    without subscales, prorated scores, or many."""
    kind = rng.choice(["empty", "one", "two", "uncategorised", "mixed", "no-subscales",
                       "prorated", "many"])  # fmt: skip
    if kind == "empty":
        return []
    cells = random_cells(rng, {"one": 1, "two": 2}.get(kind, rng.choice([5, 30, 120])))
    if kind in ("one", "two"):
        cells = [dataclasses.replace(c, n=1) for c in cells]
    if kind == "uncategorised":  # banded with different norm sets, or with none
        cells = [dataclasses.replace(c, norm_after=rng.choice(["", None, "uk-4band@1"]))
                 if c.norm_before == "uk-3band@1" else dataclasses.replace(c, norm_before="")
                 for c in cells]  # fmt: skip
    if kind == "mixed":  # each cell on one of three norm sets, before and after
        mixed = []
        for c in cells:
            norm = rng.choice(["uk-3band@1", "uk-4band@1", "uk-2-4-provisional@1"])
            codes = sdq.load_norm_set(norm.split("@")[0]).codes
            paired = c.after is not None
            mixed.append(dataclasses.replace(
                c, norm_before=norm, norm_after=norm if paired else None,
                band_before=rng.choice(codes), band_after=rng.choice(codes) if paired else None,
            ))  # fmt: skip
        cells = mixed
    if kind == "no-subscales":  # some subscales not answered, or sums not as stored
        none = (0, 0.0, 0.0, 0.0, 0.0)
        whole = rng.random() < 0.5
        cells = [dataclasses.replace(c, subscales=tuple(
            tuple(int(v) for v in sub) if whole else none if rng.random() < 0.6 else sub
            for sub in c.subscales)) for c in cells]  # fmt: skip
    if kind == "prorated":
        cells = [dataclasses.replace(c, before=c.before * rng.choice([1.0, 10 / 9]))
                 for c in cells]  # fmt: skip
    return cells


@pytest.mark.parametrize("seed", range(80))
def test_a_rows_figures_are_the_old_codes(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """``compute_columns`` and ``compute_cells`` of a row's cells are the figures of the
    code before (the per-cell functions of sessions 7–10 and the sorts above)."""
    rng = random.Random(seed)
    cells = row_cells(rng)
    filters = Filters()
    cols = figures.Columns(cells)
    new = figures.compute_columns(cols, np.arange(len(cells)), filters)
    new_cells = figures.compute_cells(cells, filters)
    with monkeypatch.context() as m:
        old_paths(m)
        old_figure_functions(m)
        old = figures.compute_cells(cells, filters)
    assert repr(new) == repr(old)
    assert repr(new_cells) == repr(old)


@pytest.mark.parametrize("seed", range(24))
def test_the_whole_publication_is_the_old_codes(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row, every hidden cell and the variation between municipalities of the
    evaluator's report: the same with the rows counted as with them sorted."""
    rng = random.Random(1000 + seed)
    data = random_data(rng, rng.choice([3, 40, 150, 500]))
    memo.clear()
    new = tables.build(data, 7, Filters())
    memo.clear()
    with monkeypatch.context() as m:
        old_paths(m)
        old = tables.build(data, 7, Filters())
    memo.clear()
    assert new.hidden == old.hidden
    assert repr(new.breakdowns) == repr(old.breakdowns)
    assert repr(new.pooled) == repr(old.pooled)
    assert new.variation == old.variation
    assert repr(new.band_transitions) == repr(old.band_transitions)
    assert new.norm_titles == old.norm_titles
