"""The rows of the evaluator's publication compute only what a row shows (session 15).

A row of the programme evaluator's tables shows its counts, the change in total score with
its interval, the effect size and the change beyond regression to the mean. Its figures
used to be the evaluation page's whole figures (attrition, change categories, the band
table, subscales, the reliable change at seven reliabilities …), most of which no row
shows. Now ``figures.compute_columns(..., row_only=True)`` computes the shown ones the way
the whole figures do, and ``outcome.beyond_of_pairs`` is ``evaluate_pairs(...).beyond``
without the sensitivity grid. And ``stats.t_ppf`` computes the tail only where its answer
is not certain: the same quantile as the plain bisection, to the last bit.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from spor.evaluation import outcome, stats
from spor.evaluation.national import tables
from spor.evaluation.web import figures
from spor.evaluation.web.forms import Filters
from spor.lib import memo
from tests.evaluation.test_fast_rows import PARAMS, random_scores
from tests.evaluation.test_fast_tables import random_data

# --------------------------------------------------------------------- the t quantile


def plain_t_ppf(q: float, df: float) -> float:
    """The bisection as it was: doubling from 1, then halving, the tail at every step."""
    if q == 0.5:
        return 0.0
    upper = min(q, 1.0 - q)
    lo, hi = 0.0, 1.0
    while stats.t_sf(hi, df) > upper:
        lo, hi = hi, hi * 2.0
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if stats.t_sf(mid, df) > upper:
            lo = mid
        else:
            hi = mid
    t = 0.5 * (lo + hi)
    return t if q > 0.5 else -t


# Degrees where the tail, not monotone right at the quantile, made a bracket of 1e-12 around
# Newton's answer end on other neighbouring doubles than the bisection does (found comparing
# the two on random quantiles, session 15).
NOISY_DF = [13, 38, 40, 206, 285, 364, 164_172, 251_975, 259_962, 314_287, 360_609, 373_504]


@pytest.mark.parametrize("df", [0.3, 1, 2, 3, 7.5, 29, 120, 1000, 12_644, 1e7, *NOISY_DF])
def test_the_t_quantile_is_the_plain_bisections_to_the_last_bit(df: float) -> None:
    for q in (0.975, 0.995, 0.025, 0.99, 0.9, 0.6, 0.9995, 1e-12, 1 - 1e-9):
        assert stats.t_ppf.__wrapped__(q, df) == plain_t_ppf(q, df), q


@pytest.mark.parametrize("df", [0, -3, math.nan, math.inf])
def test_the_t_quantile_refuses_or_answers_for_odd_degrees_as_the_plain_bisection(
    df: float,
) -> None:
    try:
        want: float | str = plain_t_ppf(0.975, df)
    except stats.EvaluationError as exc:
        want = str(exc)
    try:
        got: float | str = stats.t_ppf.__wrapped__(0.975, df)
    except stats.EvaluationError as exc:
        got = str(exc)
    assert repr(got) == repr(want)


def test_the_t_quantile_computes_the_tail_at_most_two_thirds_as_often(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = 0
    t_sf = stats.t_sf

    def counted(t: float, df: float) -> float:
        nonlocal calls
        calls += 1
        return t_sf(t, df)

    monkeypatch.setattr(stats, "t_sf", counted)
    got = stats.t_ppf.__wrapped__(0.975, 210_000)
    fast = calls
    calls = 0
    assert plain_t_ppf(0.975, 210_000) == got
    assert fast < calls / 1.5, (fast, calls)


# ------------------------------------------------------- the change beyond regression


@pytest.mark.parametrize("seed", range(60))
def test_the_change_beyond_regression_alone_is_evaluate_pairs_own(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.choice([2, 3, 5, 40, 500])
    before, after = random_scores(rng, size), random_scores(rng, size)
    if rng.random() < 0.3:
        before[rng.randrange(size)] = math.nan
        if np.isnan(before).sum() > size - 2:
            before[:] = 3.0
    params = rng.choice(PARAMS)
    whole = outcome.evaluate_pairs(before, after, params=params)
    assert repr(outcome.beyond_of_pairs(before, after, params=params)) == repr(whole.beyond)


def test_the_change_beyond_regression_alone_refuses_what_evaluate_pairs_refuses() -> None:
    params = PARAMS[0]
    for before, after in (([3.0], [2.0]), ([1.0, math.nan], [2.0, 4.0]), ([1.0, 2.0], [3.0])):
        with pytest.raises(stats.EvaluationError) as whole:
            outcome.evaluate_pairs(before, after, params=params)
        with pytest.raises(stats.EvaluationError) as alone:
            outcome.beyond_of_pairs(before, after, params=params)
        assert str(alone.value) == str(whole.value)


# ------------------------------------------------------------------ a row's figures


@pytest.mark.parametrize("seed", range(12))
def test_a_rows_figures_are_the_whole_figures_shown_in_a_row(seed: int) -> None:
    rng = random.Random(seed)
    data = random_data(rng, rng.choice([30, 300]))
    cols = figures.Columns(data.cells)
    n = len(data.cells)
    groups = [[], [0], list(range(n))] + [
        sorted(rng.sample(range(n), min(k, n))) for k in (3, 9, 40)
    ]
    for idx in groups:
        at = np.array(idx, dtype=np.int64)
        whole = figures.compute_columns(cols, at, Filters())
        row = figures.compute_columns(cols, at, Filters(), row_only=True)
        for name in ("n_started", "n_paired", "shown", "total", "effects", "regression"):
            assert repr(getattr(row, name)) == repr(getattr(whole, name)), name
        # The rest is left empty, not computed.
        assert row.attrition == [] and row.categories == [] and row.sensitivity == []
        assert row.before == [] and row.subscales == [] and row.transitions is None


@pytest.mark.parametrize("seed", range(6))
def test_the_publications_rows_are_those_of_the_whole_figures(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every row of every table, as published, with the rows' figures computed whole."""
    rng = random.Random(500 + seed)
    data = random_data(rng, rng.choice([30, 120, 400]))
    memo.clear()
    new = tables.build(data, 7, Filters())
    whole = figures.compute_columns

    def always_whole(*args: object, row_only: bool = False) -> figures.Figures:
        return whole(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(figures, "compute_columns", always_whole)
    memo.clear()
    old = tables.build(data, 7, Filters())
    assert [repr(b) for b in new.breakdowns] == [repr(b) for b in old.breakdowns]
    assert any(r.change is not None for b in new.breakdowns for r in b.rows)
    assert any(r.beyond for b in new.breakdowns for r in b.rows)
    assert repr(new.pooled) == repr(old.pooled) and new.hidden == old.hidden
