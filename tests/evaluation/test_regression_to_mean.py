"""Change beyond regression to the mean: the formulas by hand, and simulated cohorts selected
on a high baseline (seeded NumPy). With no true effect the adjusted interval covers 0 in at
least 90 % of replications while the raw change's interval almost never does; with a known
effect the estimate recovers it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spor import sdq
from spor.evaluation import outcome, stats

MU, SIGMA, R = 6.6, 6.0, 0.62
REPS = 400


def cohort(rng: np.random.Generator, *, effect: float = 0.0, r: float = R, n: int = 60,
           cut: float = 14.0, whole: bool = False) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """n children of a population (mean MU, SD SIGMA, retest correlation r) whose baseline is
    at least ``cut``; ``effect`` is added to every follow-up."""
    out_b: list[float] = []
    out_a: list[float] = []
    while len(out_b) < n:
        z = rng.standard_normal((8 * n, 2))
        x = MU + SIGMA * np.column_stack([z[:, 0], r * z[:, 0] + math.sqrt(1 - r * r) * z[:, 1]])
        if whole:
            x = np.clip(np.rint(x), 0, 40)
        x = x[x[:, 0] >= cut]
        out_b += x[:, 0].tolist()
        out_a += (x[:, 1] + effect).tolist()
    return np.array(out_b[:n]), np.array(out_a[:n])


def test_by_hand() -> None:
    before, after = [20.0, 16.0, 18.0], [14.0, 13.0, 12.0]
    got = stats.change_beyond_regression(
        before, after, population_mean=6.0, population_sd=6.0, reliability=0.5
    )
    # expected follow-up: 6 + 0.5 (18 − 6) = 12; observed 13 → 1 point worse than regression
    assert got.expected_after == pytest.approx(12.0)
    assert got.expected_regression == pytest.approx(-6.0)
    assert got.observed_change == pytest.approx(-5.0)
    assert got.beyond == pytest.approx(1.0)
    e = np.array(after) - 6 - 0.5 * (np.array(before) - 6)  # residuals 1, 2, 0
    assert got.sd == pytest.approx(float(np.std(e, ddof=1)))
    half = stats.t_ppf(0.975, 2) * got.sd / math.sqrt(3)
    assert (got.ci_low, got.ci_high) == pytest.approx((1.0 - half, 1.0 + half))
    assert got.standardised == pytest.approx(1 / 6)
    # r = 1: no regression at all, the adjusted change is the raw change
    same = stats.change_beyond_regression(
        before, after, population_mean=6.0, population_sd=6.0, reliability=1.0
    )
    assert same.beyond == pytest.approx(-5.0) and same.expected_regression == 0


def test_bad_input() -> None:
    with pytest.raises(stats.EvaluationError, match="reliabiliteten"):
        stats.change_beyond_regression([1, 2], [1, 2], population_mean=5, population_sd=5,
                                       reliability=1.5)  # fmt: skip
    with pytest.raises(stats.EvaluationError, match="SD"):
        stats.change_beyond_regression([1, 2], [1, 2], population_mean=5, population_sd=0,
                                       reliability=0.5)  # fmt: skip
    with pytest.raises(stats.EvaluationError, match="mindst 2"):
        stats.change_beyond_regression([1], [1], population_mean=5, population_sd=5,
                                       reliability=0.5)  # fmt: skip


def test_zero_effect_the_adjusted_interval_covers_zero_the_raw_one_does_not() -> None:
    rng = np.random.default_rng(20261201)
    adjusted = raw = 0
    estimates = []
    for _ in range(REPS):
        b, a = cohort(rng)
        adj = stats.change_beyond_regression(
            b, a, population_mean=MU, population_sd=SIGMA, reliability=R
        )
        pc = stats.paired_change(b, a)
        adjusted += adj.ci_low <= 0 <= adj.ci_high
        raw += pc.ci_low <= 0 <= pc.ci_high
        estimates.append(adj.beyond)
    assert adjusted / REPS >= 0.90
    assert raw / REPS <= 0.05  # the raw change "shows an improvement" that is regression alone
    assert abs(float(np.mean(estimates))) < 0.3


@pytest.mark.parametrize("effect", [-3.0, 2.0])
def test_a_known_effect_is_recovered(effect: float) -> None:
    rng = np.random.default_rng(7 + int(effect))
    covered = 0
    estimates = []
    for _ in range(REPS // 2):
        b, a = cohort(rng, effect=effect)
        adj = stats.change_beyond_regression(
            b, a, population_mean=MU, population_sd=SIGMA, reliability=R
        )
        covered += adj.ci_low <= effect <= adj.ci_high
        estimates.append(adj.beyond)
    assert abs(float(np.mean(estimates)) - effect) < 0.3
    assert covered / (REPS // 2) >= 0.90


def test_the_wrong_reliability_is_biased_which_is_why_the_page_shows_a_range() -> None:
    # Internal consistency (.87) in place of the true retest correlation (.62) credits the
    # intervention with part of the regression.
    rng = np.random.default_rng(3)
    b, a = cohort(rng, n=4000)
    right = stats.change_beyond_regression(b, a, population_mean=MU, population_sd=SIGMA,
                                           reliability=R)  # fmt: skip
    wrong = stats.change_beyond_regression(b, a, population_mean=MU, population_sd=SIGMA,
                                           reliability=0.87)  # fmt: skip
    assert abs(right.beyond) < 0.3
    assert wrong.beyond < -2.0


def test_the_excess_reliable_improvement_share_is_zero_without_an_effect() -> None:
    params = sdq.rci_details("teacher", "total", "uk-3band")
    assert (params.sd, params.mean, params.reliability) == (SIGMA, MU, R)
    rng = np.random.default_rng(11)
    covered = 0
    excess = []
    reps = REPS // 2
    for _ in range(reps):
        b, a = cohort(rng, n=80, whole=True)
        out = outcome.evaluate_pairs(b, a, params=params)
        assert out.excess is not None
        covered += out.excess.ci_low <= 0 <= out.excess.ci_high
        excess.append(out.excess.excess)
        # the raw share of reliable improvement is well above 0 with no effect at all
    assert covered / reps >= 0.90
    assert abs(float(np.mean(excess))) < 0.03
    # With a true improvement of 6 points, the excess share is clearly positive.
    b, a = cohort(rng, n=2000, whole=True, effect=-6.0)
    out = outcome.evaluate_pairs(b, a, params=params)
    assert out.excess is not None and out.excess.ci_low > 0.1


def test_expected_share_against_a_direct_computation() -> None:
    # one child at 20, mu 6.6, r .62, sigma 6: follow-up ~ N(14.908, (6·√(1 − .3844))²);
    # a reliable improvement (drop of more than c = 10.25) is a follow-up of at most 9.
    c = sdq.rci_details("teacher", "total", "uk-3band").critical_change
    got = stats.expected_improvement_share([20], population_mean=MU, population_sd=SIGMA,
                                           reliability=R, critical_change=c)  # fmt: skip
    from statistics import NormalDist

    s = SIGMA * math.sqrt(1 - R * R)
    assert got == pytest.approx(NormalDist(MU + R * (20 - MU), s).cdf(9.5))
    cont = stats.expected_improvement_share([20], population_mean=MU, population_sd=SIGMA,
                                            reliability=R, critical_change=c,
                                            whole_numbers=False)  # fmt: skip
    assert cont == pytest.approx(NormalDist(MU + R * (20 - MU), s).cdf(20 - c))
    # a baseline too low to drop by more than c: no reliable improvement possible
    assert stats.expected_improvement_share([8], population_mean=MU, population_sd=SIGMA,
                                            reliability=R, critical_change=c) == 0.0  # fmt: skip


def test_outcome_counts_equal_the_sdq_categories() -> None:
    rng = np.random.default_rng(5)
    b, a = cohort(rng, n=300, whole=True, effect=-2)
    params = sdq.rci_details("teacher", "total", "uk-3band")
    out = outcome.evaluate_pairs(b, a, params=params)
    cats = sdq.change_category(b.astype(int), a.astype(int), informant="teacher")
    shares = stats.change_categories(cats)
    assert out.reliable.improved == shares["any_reliable_improvement"].k
    assert out.reliable.deteriorated == shares["reliable_deterioration"].k
    assert out.reliable.n == 300
    # the sensitivity: the retest default, .70, .80 and internal consistency, lowest first;
    # a higher reliability gives a lower threshold and more "reliable" improvement
    rows = out.sensitivity
    assert [(r.reliability, r.reliability_kind) for r in rows] == [
        (0.62, "retest"), (0.7, "range"), (0.8, "range"), (0.87, "internal_consistency")
    ]  # fmt: skip
    improved = [r.counts.improved for r in rows]
    assert improved == sorted(improved)
    assert [r.default for r in rows] == [True, False, False, False]


def test_the_effect_share_for_the_investment_case_covers_zero_without_an_effect() -> None:
    params = sdq.rci_details("teacher", "total", "uk-3band")
    rng = np.random.default_rng(17)
    reps, covered = 150, 0
    for _ in range(reps):
        b, a = cohort(rng, n=60, whole=True)
        share = outcome.evaluate_pairs(b, a, params=params).effect_share
        assert share is not None and share.ci_low <= share.effect <= share.ci_high
        covered += share.ci_low <= 0 <= share.ci_high
    assert covered / reps >= 0.90
    # a true improvement of 4 points is a clearly positive extra share
    b, a = cohort(rng, n=1500, whole=True, effect=-4.0)
    share = outcome.evaluate_pairs(b, a, params=params).effect_share
    assert share is not None and share.ci_low > 0.05
