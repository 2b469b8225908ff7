"""``outcome.evaluate_pairs`` without its repeated work gives what it gave (session 12).

The evaluator's national publication evaluates the pairs of every row (113 rows of the
national set) at every reliability of the sensitivity. Two repeats are gone: the default
reliability's counts, expected share and change beyond regression were computed twice (in
the sensitivity's row and again for the default), and every change beyond regression
checked the pairs and took the means of before and after again (the same for every
reliability). The code before is kept below as the reference; every figure must be the
same to the last bit (compared by ``repr``, which gives a float's every bit: a one-bit
change fails, as the last test shows)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from spor import sdq
from spor.evaluation import outcome, stats
from spor.evaluation.outcome import (
    EffectShare,
    Outcome,
    SensitivityRow,
    _Baselines,
    _counts,
    _expected,
    reliability_grid,
)
from tests.evaluation.test_fast_rows import PARAMS, random_scores

# ---------------------------------------------------------------- the code as it was


def old_beyond(
    before: np.ndarray, after: np.ndarray, params: sdq.RciParameters, confidence: float
) -> stats.BeyondRegression | None:
    if math.isnan(params.mean):
        return None
    return stats.change_beyond_regression(
        before,
        after,
        population_mean=params.mean,
        population_sd=params.sd,
        reliability=params.reliability,
        confidence=confidence,
    )


def old_evaluate_pairs(
    before: np.ndarray,
    after: np.ndarray,
    *,
    params: sdq.RciParameters,
    higher_is_better: bool = False,
    confidence: float = 0.95,
) -> Outcome:
    b0 = np.asarray(before, dtype=np.float64)
    a0 = np.asarray(after, dtype=np.float64)
    if b0.shape != a0.shape or b0.ndim != 1:
        raise stats.EvaluationError("før og efter skal være lige lange lister / same length")
    keep = ~(np.isnan(b0) | np.isnan(a0))
    b, a = b0[keep], a0[keep]
    change = stats.paired_change(b, a, confidence)
    base = _Baselines(b)
    rows = []
    for r, kind in reliability_grid(params):
        pr = params if r == round(params.reliability, 4) else params.with_reliability(r, kind)
        rows.append(
            SensitivityRow(
                reliability=r,
                reliability_kind=kind,
                counts=_counts(b, a, pr, higher_is_better),
                beyond=old_beyond(b, a, pr, confidence),
                expected_improvement=_expected(base, pr, higher_is_better),
                default=r == round(params.reliability, 4),
            )
        )
    reliable = _counts(b, a, params, higher_is_better)
    expected = _expected(base, params, higher_is_better)
    excess = (
        None
        if expected is None
        else stats.excess_improvement(reliable.improved, reliable.n, expected, confidence)
    )
    beyond = old_beyond(b, a, params, confidence)
    effect_share = None
    if beyond is not None and expected is not None:
        at = {
            x: _expected(base, params, higher_is_better, shift=x)
            for x in (beyond.beyond, beyond.ci_low, beyond.ci_high)
        }
        ends = sorted(float(v or 0.0) - expected for v in (at[beyond.ci_low], at[beyond.ci_high]))
        effect_share = EffectShare(
            expected=expected,
            effect=float(at[beyond.beyond] or 0.0) - expected,
            ci_low=ends[0],
            ci_high=ends[1],
        )
    return Outcome(
        effect_share=effect_share,
        n_pairs=int(b.size),
        params=params,
        change=change,
        beyond=beyond,
        reliable=reliable,
        excess=excess,
        sensitivity=tuple(rows),
        higher_is_better=higher_is_better,
    )


# ----------------------------------------------------------------------------- the tests


def random_pairs(seed: int) -> tuple[np.ndarray, np.ndarray, sdq.RciParameters, bool]:
    rng = random.Random(seed)
    size = rng.choice([2, 3, 5, 40, 500, 5000])
    before, after = random_scores(rng, size), random_scores(rng, size)
    if rng.random() < 0.3:  # missing values are left out first
        before[rng.randrange(size)] = math.nan
        after[rng.randrange(size)] = math.nan
        if np.isnan(before).sum() + np.isnan(after).sum() > size - 2:
            before[0], after[0], before[-1], after[-1] = 1.0, 2.0, 3.0, 4.0
    params = rng.choice(PARAMS)
    if rng.random() < 0.3:  # another reliability than the norm set's (a sensitivity's own)
        params = params.with_reliability(rng.choice([0.5, 0.73, 0.8, 0.91]), "range")
    return before, after, params, rng.random() < 0.3


@pytest.mark.parametrize("seed", range(80))
def test_evaluate_pairs_is_what_it_was_computing_the_default_twice(seed: int) -> None:
    before, after, params, better = random_pairs(seed)
    new = outcome.evaluate_pairs(before, after, params=params, higher_is_better=better)
    old = old_evaluate_pairs(before, after, params=params, higher_is_better=better)
    assert repr(new) == repr(old)
    assert new == old


def test_the_refusals_are_what_they_were() -> None:
    params = PARAMS[0]
    for before, after in (
        ([1.0], [2.0]),
        ([1.0, math.nan], [2.0, 3.0]),
        ([1.0, math.inf, 2.0], [2.0, 3.0, 4.0]),
        ([1.0, 2.0], [2.0]),
    ):
        with pytest.raises(stats.EvaluationError) as new:
            outcome.evaluate_pairs(np.array(before), np.array(after), params=params)
        with pytest.raises(stats.EvaluationError) as old:
            old_evaluate_pairs(np.array(before), np.array(after), params=params)
        assert str(new.value) == str(old.value)


def test_the_comparison_sees_one_bit() -> None:
    """The figures compared above differ when one baseline moves by one bit: a comparison
    of them would catch a sum added in another order."""
    before, after, params, _ = random_pairs(7)
    before = np.where(np.isnan(before), 1.0, before) + 0.1  # not whole: every bit counts
    after = np.where(np.isnan(after), 1.0, after)
    nudged = before.copy()
    nudged[len(nudged) // 2] = np.nextafter(nudged[len(nudged) // 2], math.inf)
    one = outcome.evaluate_pairs(before, after, params=params)
    other = outcome.evaluate_pairs(nudged, after, params=params)
    assert repr(one) != repr(other)
    assert repr(one) == repr(old_evaluate_pairs(before, after, params=params))
