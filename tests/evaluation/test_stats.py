"""spor.evaluation.stats against SciPy and statsmodels on random data, to 1e-9."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hs
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.proportion import proportion_confint

from spor import sdq
from spor.evaluation import stats as ev
from spor.evaluation.stats import EvaluationError

TOL = 1e-9
SEEDS = range(8)


def close(a: float, b: float, tol: float = TOL) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(b))


# --- distributions --------------------------------------------------------------------------


@pytest.mark.parametrize("df", [1, 2, 3.5, 7, 29, 120, 1000, 1e5])
def test_t_distribution_matches_scipy(df: float) -> None:
    for q in (0.5, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.025):
        assert close(ev.t_ppf(q, df), st.t.ppf(q, df))
    for t in (-3.0, -0.2, 0.0, 0.1, 1.0, 2.5, 8.0, 40.0):
        assert abs(ev.t_sf(t, df) - st.t.sf(t, df)) < 1e-13


@pytest.mark.parametrize("df", [1, 2, 5, 30, 300, 3000])
def test_chi2_and_f_match_scipy(df: int) -> None:
    for x in (0.0, 0.01, 0.5, 1.0, 3.0, 10.0, 50.0, 400.0):
        assert abs(ev.chi2_sf(x, df) - st.chi2.sf(x, df)) < 1e-13
        for dfd in (1, 4, 57, 2000):
            assert abs(ev.f_sf(x, df, dfd) - st.f.sf(x, df, dfd)) < 1e-12


# --- paired change ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("confidence", [0.95, 0.90])
def test_paired_change_matches_ttest_rel(seed: int, confidence: float) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 300))
    before = rng.normal(15, 6, n).round()
    after = before + rng.normal(-2, 4, n).round()
    before[rng.random(n) < 0.1] = np.nan  # missing pairs are left out
    keep = ~np.isnan(before)
    if keep.sum() < 2:
        before[:2] = [10.0, 12.0]
        keep = ~np.isnan(before)
    res = ev.paired_change(before, after, confidence)
    ref = st.ttest_rel(after[keep], before[keep])
    ci = ref.confidence_interval(confidence)
    assert res.n == keep.sum() and res.n_missing == (~keep).sum()
    assert close(res.mean_change, float(np.mean(after[keep] - before[keep])))
    assert close(res.ci_low, ci.low) and close(res.ci_high, ci.high)
    assert close(res.t, ref.statistic) and abs(res.p - ref.pvalue) < TOL
    assert res.df == ref.df
    assert close(res.mean_before, float(before[keep].mean()))
    assert close(res.mean_after, float(after[keep].mean()))


@settings(max_examples=25, deadline=None)
@given(
    hs.lists(hs.tuples(hs.integers(0, 40), hs.integers(0, 40)), min_size=2, max_size=60).filter(
        lambda p: len({b - a for a, b in p}) > 1
    )
)
def test_paired_change_matches_ttest_rel_on_sdq_like_scores(pairs: list[tuple[int, int]]) -> None:
    before, after = np.array(pairs, dtype=float).T
    res = ev.paired_change(before, after)
    ci = st.ttest_rel(after, before).confidence_interval()
    assert close(res.ci_low, ci.low) and close(res.ci_high, ci.high)


def test_paired_change_without_spread_and_errors() -> None:
    res = ev.paired_change([10, 12, 14], [8, 10, 12])
    assert res.mean_change == -2 and res.ci_low == res.ci_high == -2
    assert math.isnan(res.t) and math.isnan(res.p)
    with pytest.raises(EvaluationError, match="mindst 2"):
        ev.paired_change([1, None], [2, 3])
    with pytest.raises(EvaluationError, match="lige lange"):
        ev.paired_change([1, 2], [2])
    with pytest.raises(EvaluationError, match="konfidensniveauet"):
        ev.paired_change([1, 2], [2, 4], confidence=95)


# --- effect sizes --------------------------------------------------------------------------


def exact_j(df: float) -> float:
    """Hedges' J with SciPy's gamma function (df small enough not to overflow)."""
    return float(sp.gamma(df / 2) / (np.sqrt(df / 2) * sp.gamma((df - 1) / 2)))


@pytest.mark.parametrize("df", [2, 3, 4, 9, 30, 100, 170])
def test_hedges_correction_is_the_exact_gamma_formula(df: int) -> None:
    j = ev.hedges_correction(df)
    assert close(j, exact_j(df), 1e-12)
    # the common approximation 1 − 3/(4·df − 1) agrees to O(df⁻²)
    assert abs(j - (1 - 3 / (4 * df - 1))) < 0.035 / df**2


def test_hedges_correction_by_hand() -> None:
    assert ev.hedges_correction(2) == pytest.approx(1 / math.sqrt(math.pi), abs=1e-15)
    assert ev.hedges_correction(1e7) == pytest.approx(1.0, abs=1e-7)
    with pytest.raises(EvaluationError):
        ev.hedges_correction(1)


@pytest.mark.parametrize("seed", SEEDS)
def test_effect_sizes_on_random_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 200))
    before = rng.normal(16, 5, n)
    after = 0.6 * before + rng.normal(4, 4, n)
    res = ev.effect_sizes(before, after)
    d = after - before
    assert close(res.dz, d.mean() / np.std(d, ddof=1))
    sd_av = (st.tstd(before) + st.tstd(after)) / 2
    assert close(res.d_av, d.mean() / sd_av)
    j = math.exp(sp.gammaln((n - 1) / 2) - sp.gammaln((n - 2) / 2)) / math.sqrt((n - 1) / 2)
    assert close(res.hedges_g_av, d.mean() / sd_av * j)
    assert close(res.hedges_j, ev.hedges_correction(n - 1))
    # dz is the paired t statistic over √n
    assert close(res.dz, st.ttest_rel(after, before).statistic / math.sqrt(n))
    labels = dict(res.labelled())
    assert labels["Cohen's dz (ændring / SD af ændringen)"] == res.dz
    assert set(labels) == set(ev.EFFECT_LABELS_DA.values())


def test_effect_sizes_need_three_pairs() -> None:
    with pytest.raises(EvaluationError, match="mindst 3"):
        ev.effect_sizes([1, 2], [2, 4])


# --- proportions ---------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [0.90, 0.95, 0.99])
def test_wilson_matches_statsmodels(confidence: float) -> None:
    rng = np.random.default_rng(7)
    cases = [(0, 1), (1, 1), (0, 20), (20, 20), (3, 7)]
    cases += [(int(rng.integers(0, n + 1)), n) for n in rng.integers(1, 2000, 40)]
    for k, n in cases:
        p = ev.proportion(k, n, confidence)
        lo, hi = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
        assert abs(p.ci_low - lo) < TOL and abs(p.ci_high - hi) < TOL
        assert p.share == k / n and p.label == f"{k} af {n}"


def test_proportion_errors() -> None:
    for k, n in [(1, 0), (3, 2), (-1, 4), (1.5, 4), (True, 4)]:
        with pytest.raises(EvaluationError):
            ev.proportion(k, n)  # type: ignore[arg-type]


def test_change_categories_counts_and_wilson() -> None:
    rng = np.random.default_rng(3)
    idx = rng.integers(-1, 5, 500).astype(np.int8)
    res = ev.change_categories(idx)
    valid = idx[idx >= 0]
    n = valid.size
    assert list(res) == list(ev.CHANGE_SUMMARY_KEYS)
    for i, code in enumerate(sdq.CHANGE_CATEGORIES):
        k = int((valid == i).sum())
        lo, hi = proportion_confint(k, n, method="wilson")
        assert res[code].k == k and res[code].n == n
        assert abs(res[code].ci_low - lo) < TOL and abs(res[code].ci_high - hi) < TOL
    assert sum(res[c].k for c in sdq.CHANGE_CATEGORIES) == n
    imp, rec = (
        sdq.CHANGE_CATEGORIES.index(c) for c in ("reliable_improvement", "reliable_recovery")
    )
    moved = sdq.CHANGE_CATEGORIES.index("moved_into_normal_range")
    assert res["any_reliable_improvement"].k == int(np.isin(valid, [imp, rec]).sum())
    assert res["into_normal_range"].k == int(np.isin(valid, [moved, rec]).sum())
    assert set(ev.CHANGE_SUMMARY_LABELS_DA) == set(ev.CHANGE_SUMMARY_KEYS)


def test_change_category_counts_are_the_shares_counts_and_defined_with_none_categorised() -> None:
    idx = np.random.default_rng(5).integers(-1, 5, 300)
    counts, n = ev.change_category_counts(idx, weights=np.arange(300) % 4)
    shares = ev.change_categories(idx, weights=np.arange(300) % 4)
    assert counts == {key: p.k for key, p in shares.items()}
    assert n == shares["reliable_improvement"].n
    # No child with a category: every count 0 of 0, where a share raises.
    assert ev.change_category_counts([-1, None, -1]) == (
        dict.fromkeys(ev.CHANGE_SUMMARY_KEYS, 0),
        0,
    )
    with pytest.raises(EvaluationError, match="n = 0"):
        ev.change_categories([-1, None, -1])


def test_change_categories_from_the_sdq_engine_and_codes() -> None:
    # teacher, uk-3band: normal 0–11, borderline 12–15; with internal consistency (r = .87,
    # the sensitivity row) a reliable |change| is ≥ 6 (S_diff ≈ 3.06)
    before = np.array([20, 20, 10, 12, -1, 14])
    after = np.array([10, 13, 20, 11, 5, 13])
    cats = sdq.change_category(before, after, informant="teacher", reliability=0.87)
    res = ev.change_categories(cats)
    assert res["reliable_recovery"].label == "1 af 5"  # 20 → 10
    assert res["reliable_improvement"].k == 1  # 20 → 13, still borderline
    assert res["reliable_deterioration"].k == 1  # 10 → 20
    assert res["moved_into_normal_range"].k == 1  # 12 → 11
    assert res["no_reliable_change"].k == 1  # 14 → 13
    assert res["any_reliable_improvement"].label == "2 af 5"
    assert res["into_normal_range"].label == "2 af 5"
    codes = [sdq.CHANGE_CATEGORIES[i] if i >= 0 else None for i in cats]
    assert {k: v.k for k, v in ev.change_categories(codes).items()} == {
        k: v.k for k, v in res.items()
    }
    with pytest.raises(EvaluationError, match="ukendt"):
        ev.change_categories(["better"])
    with pytest.raises(EvaluationError, match="ukendt"):
        ev.change_categories([7])


def test_band_transitions_match_scipy_crosstab() -> None:
    rng = np.random.default_rng(11)
    b = rng.integers(-1, 3, 400)
    a = rng.integers(-1, 3, 400)
    res = ev.band_transitions(b, a)
    keep = (b >= 0) & (a >= 0)
    ref = st.contingency.crosstab(b[keep], a[keep], levels=([0, 1, 2], [0, 1, 2])).count
    assert np.array_equal(res.as_array(), ref)
    assert res.n == keep.sum() and res.n_missing == (~keep).sum()
    codes = [ev.BANDS_3[i] if i >= 0 else None for i in b]
    codes_a = [ev.BANDS_3[i] if i >= 0 else None for i in a]
    assert ev.band_transitions(codes, codes_a).counts == res.counts
    four = ev.band_transitions([0, 3], [3, 3], bands=sdq.load_norm_set("uk-4band").codes)
    assert four.as_array().shape == (4, 4) and four.counts[0][3] == 1
    with pytest.raises(EvaluationError):
        ev.band_transitions(["normal"], ["high"])


# --- attrition -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_attrition_matches_welch(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 400))
    baseline = rng.normal(17, 6, n)
    done = rng.random(n) < rng.uniform(0.3, 0.9)
    done[:2], done[2:4] = True, False
    res = ev.attrition(baseline, done.tolist())
    ref = st.ttest_ind(baseline[done], baseline[~done], equal_var=False)
    ci = ref.confidence_interval()
    assert close(res.ci_low, ci.low) and close(res.ci_high, ci.high)
    assert close(res.t, ref.statistic) and abs(res.p - ref.pvalue) < TOL
    assert close(res.df, ref.df)
    lo, hi = proportion_confint(int(done.sum()), n, method="wilson")
    assert res.followup.k == done.sum() and abs(res.followup.ci_low - lo) < TOL
    assert abs(res.followup.ci_high - hi) < TOL


def test_attrition_small_groups_and_errors() -> None:
    res = ev.attrition([10, 12, None, 20], [True, True, False, False])
    assert res.n_noncompleters == 1 and res.followup.label == "2 af 3"
    assert res.difference == 11 - 20 and math.isnan(res.ci_low)
    with pytest.raises(EvaluationError, match="True/False"):
        ev.attrition([1, 2], [1, 0])


# --- variation between municipalities --------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_between_municipalities_matches_scipy_and_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 12))
    sizes = rng.integers(2, 60, k)
    groups = [rng.normal(rng.normal(-3, 1.5), 4, s) for s in sizes]
    values = np.concatenate(groups)
    ids = np.repeat([f"k{i}" for i in range(k)], sizes).tolist()
    res = ev.between_municipalities(values, ids)

    ref = st.f_oneway(*groups)
    assert close(res.f, ref.statistic) and abs(res.p_f - ref.pvalue) < TOL
    # variance components: SS from NumPy, ANOVA estimator with unbalanced n0
    grand = values.mean()
    ss_b = sum(len(g) * (g.mean() - grand) ** 2 for g in groups)
    ss_w = sum(((g - g.mean()) ** 2).sum() for g in groups)
    assert close(res.ss_between, ss_b) and close(res.ss_within, ss_w)
    assert close(res.ss_between + res.ss_within, ((values - grand) ** 2).sum())
    n = values.size
    n0 = (n - (sizes**2).sum() / n) / (k - 1)
    msb, msw = ss_b / (k - 1), ss_w / (n - k)
    var_b = max(0.0, (msb - msw) / n0)
    assert close(res.var_between, var_b) and close(res.var_within, msw)
    assert close(res.icc, var_b / (var_b + msw))
    assert close(res.sd_of_means, float(np.std([g.mean() for g in groups], ddof=1)))
    # heterogeneity: Cochran's Q, I², DerSimonian–Laird τ² as statsmodels' meta-analysis
    means = np.array([g.mean() for g in groups])
    var_means = np.array([np.var(g, ddof=1) / len(g) for g in groups])
    meta = combine_effects(means, var_means, method_re="dl")
    assert close(res.q, meta.q) and close(res.i2, meta.i2) and close(res.tau2, meta.tau2)
    assert abs(res.p_q - st.chi2.sf(meta.q, k - 1)) < TOL
    assert [g.id for g in res.groups] == [f"k{i}" for i in range(k)]


def test_between_municipalities_balanced_by_hand() -> None:
    # two municipalities of three: means 2 and 5, within variances 1 and 1
    res = ev.between_municipalities([1, 2, 3, 4, 5, 6], ["a", "a", "a", "b", "b", "b"])
    assert res.ms_within == 1.0 and res.ms_between == 13.5 and res.n0 == 3.0
    assert res.var_between == pytest.approx(12.5 / 3) and res.icc == pytest.approx(12.5 / 15.5)
    with pytest.raises(EvaluationError, match="mindst 2 kommuner"):
        ev.between_municipalities([1, 2], ["a", "a"])


# --- beyond SDQ ---------------------------------------------------------------------------


def test_share_specialised() -> None:
    res = ev.share_specialised(
        [True, False, False, None, False, True], [False, True, None, None, False, False]
    )
    assert res["specialised"].label == "2 af 5"
    assert res["medication"].label == "1 af 4"
    # either: T, T, unknown (F + None), unknown, F, T
    assert res["either"].label == "3 af 4"
    lo, hi = proportion_confint(2, 5, method="wilson")
    assert abs(res["specialised"].ci_low - lo) < TOL and abs(res["specialised"].ci_high - hi) < TOL
    assert list(ev.share_specialised([True, False])) == ["specialised"]
    with pytest.raises(EvaluationError):
        ev.share_specialised([1, 0])


@pytest.mark.parametrize("seed", SEEDS)
def test_waiting_times_match_numpy_type7(seed: int) -> None:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 200, int(rng.integers(1, 300))).astype(float)
    with_missing = [*days.tolist(), None, float("nan")]
    res = ev.waiting_times(with_missing)
    p25, med, p75 = np.percentile(days, [25, 50, 75], method="linear")
    assert (res.p25, res.median, res.p75) == (p25, med, p75)
    if days.size > 1:  # the standard library's "inclusive" method is the same type 7
        q = statistics.quantiles(days.tolist(), n=4, method="inclusive")
        assert all(close(a, b) for a, b in zip((res.p25, res.median, res.p75), q, strict=True))
    assert res.n == days.size and res.n_missing == 2 and close(res.mean, days.mean())


def test_waiting_times_by_hand_and_days_between() -> None:
    res = ev.waiting_times([1, 2, 3, 4, 10])
    assert (res.p25, res.median, res.p75, res.mean) == (2, 3, 4, 4)
    starts = [dt.date(2025, 1, 1), dt.datetime(2025, 3, 1, 15, 0), None]
    ends = [dt.date(2025, 2, 1), dt.date(2025, 3, 1), dt.date(2025, 1, 1)]
    assert ev.days_between(starts, ends) == [31, 0, None]
    with pytest.raises(EvaluationError, match="før startdatoen"):
        ev.days_between([dt.date(2025, 2, 1)], [dt.date(2025, 1, 1)])
    with pytest.raises(EvaluationError, match="negativ"):
        ev.waiting_times([-1, 3])
    with pytest.raises(EvaluationError, match="ingen"):
        ev.waiting_times([None])


def test_children_per_position() -> None:
    assert ev.children_per_position(150, 2.5).per_position == 60.0
    res = ev.children_per_position(["a", "b", "a", "c"], 0.5)
    assert res.children == 3 and res.per_position == 6.0
    assert res.label == "3 børn / 0.5 stillinger"
    with pytest.raises(EvaluationError):
        ev.children_per_position(10, 0)
