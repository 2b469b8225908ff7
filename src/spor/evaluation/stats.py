"""Before/after statistics for Spor's evaluation: plain values in, small frozen results out.

Shaped like the standard library's :mod:`statistics`: every function takes sequences or NumPy
arrays and returns a number or a frozen dataclass; every error is an :class:`EvaluationError`
(a ``ValueError``) with a Danish message first and an English one after the slash. Missing
values are ``None`` or NaN and are left out pairwise; the count left out is reported. SDQ
score arrays from :mod:`spor.sdq` use ``-1`` for "not scored": convert them with
``ScoreResult.as_float()`` first, because ``-1`` is a number here.

The module needs NumPy only. The t, F and chi-square distributions are computed here from the
regularised incomplete beta and gamma functions (continued fractions, as in *Numerical Recipes*
§6.2–6.4), and the normal quantile comes from :class:`statistics.NormalDist`; the tests check
every figure against SciPy and statsmodels to 1e-9.

    >>> pc = paired_change([20, 18, 25, 14], [15, 17, 19, 14])
    >>> pc.n, pc.mean_change
    (4, -3.0)
    >>> proportion(3, 12).label
    '3 af 12'

Every figure here is from an uncontrolled before/after measurement; ``docs/evaluation.md``
says what that means and which formula each function uses.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from spor.sdq import CHANGE_CATEGORIES, CHANGE_LABELS_DA

__all__ = [
    "BANDS_3",
    "CHANGE_SUMMARY_KEYS",
    "CHANGE_SUMMARY_LABELS_DA",
    "EFFECT_LABELS_DA",
    "Attrition",
    "BandTransitions",
    "BeyondRegression",
    "EffectSizes",
    "EvaluationError",
    "ExcessShare",
    "GroupSummary",
    "PairedChange",
    "PerPosition",
    "Proportion",
    "Variation",
    "WaitingTimes",
    "attrition",
    "band_transitions",
    "between_municipalities",
    "change_beyond_regression",
    "change_categories",
    "change_category_counts",
    "chi2_sf",
    "children_per_position",
    "days_between",
    "effect_sizes",
    "excess_improvement",
    "expected_improvement_share",
    "f_sf",
    "hedges_correction",
    "paired_change",
    "paired_change_from_sums",
    "proportion",
    "share_specialised",
    "t_ppf",
    "t_sf",
    "waiting_times",
]

F64 = npt.NDArray[np.float64]

BANDS_3: Final = ("normal", "borderline", "abnormal")
"""Codes of the three-band norm sets (``uk-3band``), in order: the rows and columns of
:func:`band_transitions` by default."""

EFFECT_LABELS_DA: Final = {
    "dz": "Cohen's dz (ændring / SD af ændringen)",
    "d_av": "Cohen's d_av (ændring / gennemsnittet af SD før og SD efter)",
    "hedges_g_av": "Hedges' g_av (d_av korrigeret for lille stikprøve)",
}

CHANGE_SUMMARY_KEYS: Final = (*CHANGE_CATEGORIES, "any_reliable_improvement", "into_normal_range")
"""Keys of :func:`change_categories`: the five exclusive categories of
:func:`spor.sdq.change_category`, then two unions that overlap them."""

CHANGE_SUMMARY_LABELS_DA: Final = {
    **dict(zip(CHANGE_CATEGORIES, CHANGE_LABELS_DA, strict=True)),
    "any_reliable_improvement": (
        "Pålidelig forbedring i alt (med og uden bedring til normalområdet)"
    ),
    "into_normal_range": "Ind i normalområdet i alt (med og uden pålidelig forbedring)",
}


class EvaluationError(ValueError):
    """Input the evaluation statistics cannot use; the message says what to fix."""


# --------------------------------------------------------------------------------------------
# Distributions (no SciPy at run time)
# --------------------------------------------------------------------------------------------

_EPS = 1e-16
_TINY = 1e-300
_MAX_ITER = 100_000


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = _TINY if abs(d) < _TINY else d
    d = 1.0 / d
    h = d
    for m in range(1, _MAX_ITER):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            return h
    raise EvaluationError("betafunktionen konvergerede ikke / incomplete beta did not converge")


def _stirling_delta(x: float) -> float:
    """``lgamma(x) − ((x − ½)·log x − x + ½·log 2π)`` for ``x ≥ 10`` (Stirling series)."""
    x2 = x * x
    return (
        1.0
        / x
        * (
            1 / 12
            - 1
            / x2
            * (
                1 / 360
                - 1
                / x2
                * (1 / 1260 - 1 / x2 * (1 / 1680 - 1 / x2 * (1 / 1188 - 691 / 360360 / x2)))
            )
        )
    )


def _lbeta(a: float, b: float) -> float:
    """``log B(a, b)`` without the cancellation of three large log-gammas."""
    small, big = min(a, b), max(a, b)
    if big < 10.0:
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    s = a + b
    if small < 10.0:
        return math.lgamma(small) - (
            (big - 0.5) * math.log1p(small / big)
            + small * math.log(s)
            - small
            + _stirling_delta(s)
            - _stirling_delta(big)
        )
    return (
        0.5 * math.log(2.0 * math.pi)
        - 0.5 * math.log(s)
        + (a - 0.5) * math.log(a / s)
        + (b - 0.5) * math.log(b / s)
        + _stirling_delta(a)
        + _stirling_delta(b)
        - _stirling_delta(s)
    )


def _betainc(a: float, b: float, x: float, y: float) -> float:
    """Regularised incomplete beta ``I_x(a, b)``; ``y = 1 − x``, passed exactly by the caller."""
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    log_x = math.log1p(-y) if y < 0.5 else math.log(x)
    log_y = math.log1p(-x) if x < 0.5 else math.log(y)
    log_front = a * log_x + b * log_y - _lbeta(a, b)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, y) / b


def _gammaq(a: float, x: float) -> float:
    """Regularised upper incomplete gamma ``Q(a, x)``."""
    if x <= 0.0:
        return 1.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:  # series for P, then Q = 1 - P
        ap, total = a, 1.0 / a
        delta = total
        for _ in range(_MAX_ITER):
            ap += 1.0
            delta *= x / ap
            total += delta
            if abs(delta) < abs(total) * _EPS:
                return 1.0 - total * math.exp(log_front)
        raise EvaluationError("gammafunktionen konvergerede ikke / incomplete gamma diverged")
    b = x + 1.0 - a  # continued fraction for Q (modified Lentz)
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            return math.exp(log_front) * h
    raise EvaluationError("gammafunktionen konvergerede ikke / incomplete gamma diverged")


def t_sf(t: float, df: float) -> float:
    """Upper tail ``P(T > t)`` of Student's t with ``df`` (> 0, not necessarily whole) degrees."""
    if not df > 0:
        raise EvaluationError(f"frihedsgrader skal være > 0, ikke {df} / df must be > 0")
    if math.isnan(t):
        return math.nan
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    t2 = t * t
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2))
    return tail if t >= 0 else 1.0 - tail


@functools.lru_cache(maxsize=4096)
def t_ppf(q: float, df: float) -> float:
    """The ``q`` quantile of Student's t with ``df`` degrees (bisection to machine precision;
    remembered, since a page asks for the same few quantiles again and again).

    The bisection doubles from 1 to a bracket and halves it to two neighbouring doubles.
    The tail is computed to about 1e-14 (1e-12 with hundreds of thousands of degrees), so
    right at the quantile it is not monotone, and another bracket could end on other
    neighbours: the steps are always these, but a step whose answer is certain is not
    computed. Newton's method on the tail finds the quantile to about 1e-11; a midpoint
    further than 1e-9 from it lies on the side the tail says (checked at both ends of that
    band), so only the midpoints inside the band compute the tail: half the steps, and the
    same quantile to the last bit."""
    if not 0.0 < q < 1.0:
        raise EvaluationError(f"kvantilen skal ligge mellem 0 og 1, ikke {q} / need 0 < q < 1")
    if q == 0.5:
        return 0.0
    upper = min(q, 1.0 - q)  # find t > 0 with P(T > t) = upper
    band_lo, band_hi = 0.0, math.inf  # outside (band_lo, band_hi), the side is known
    x = _t_newton(upper, df)
    if x is not None:
        width = 1e-9 * x
        if x - width > 0.0 and t_sf(x - width, df) > upper >= t_sf(x + width, df):
            band_lo, band_hi = x - width, x + width

    def below(t: float) -> bool:  # is the quantile above t, i.e. P(T > t) > upper?
        if t <= band_lo:
            return True
        if t >= band_hi:
            return False
        return t_sf(t, df) > upper

    lo, hi = 0.0, 1.0
    while below(hi):
        lo, hi = hi, hi * 2.0
        if hi > 1e300:  # pragma: no cover - only for absurd q
            break
    for _ in range(2000):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if below(mid):
            lo = mid
        else:
            hi = mid
    t = 0.5 * (lo + hi)
    return t if q > 0.5 else -t


def _t_newton(upper: float, df: float) -> float | None:
    """The ``t > 0`` with ``t_sf(t, df) = upper`` by Newton's method from the normal
    quantile, or None where it does not settle (tiny ``df``, extreme tails) or ``df`` is
    no number of degrees (:func:`t_sf` then says so)."""
    if not 0.0 < df < math.inf:
        return None
    z = -NormalDist().inv_cdf(upper)  # not of 1 − upper, which is 1 for a tiny upper
    x = z + (z**3 + z) / (4.0 * df)  # Cornish–Fisher's first term: close for df ≥ 3
    log_norm = math.lgamma((df + 1.0) / 2.0) - math.lgamma(df / 2.0) - 0.5 * math.log(df * math.pi)
    for _ in range(30):
        if not (x > 0.0 and math.isfinite(x)):
            return None
        density = math.exp(log_norm - (df + 1.0) / 2.0 * math.log1p(x * x / df))
        if not density > 0.0:
            return None
        step = (t_sf(x, df) - upper) / density
        x += step
        if abs(step) <= 1e-11 * abs(x):
            return x if x > 0.0 else None
    return None


def f_sf(f: float, dfn: float, dfd: float) -> float:
    """Upper tail ``P(F > f)`` of the F distribution."""
    if not (dfn > 0 and dfd > 0):
        raise EvaluationError("frihedsgrader skal være > 0 / df must be > 0")
    if math.isnan(f):
        return math.nan
    if f <= 0:
        return 1.0
    if math.isinf(f):
        return 0.0
    den = dfd + dfn * f
    return _betainc(dfd / 2.0, dfn / 2.0, dfd / den, dfn * f / den)


def chi2_sf(x: float, df: float) -> float:
    """Upper tail ``P(X > x)`` of the chi-square distribution."""
    if not df > 0:
        raise EvaluationError("frihedsgrader skal være > 0 / df must be > 0")
    if math.isnan(x):
        return math.nan
    if math.isinf(x):
        return 0.0
    return _gammaq(df / 2.0, x / 2.0)


def _z(confidence: float) -> float:
    _check_confidence(confidence)
    return NormalDist().inv_cdf(1.0 - (1.0 - confidence) / 2.0)


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise EvaluationError(
            f"konfidensniveauet skal ligge mellem 0 og 1 (fx 0.95), ikke {confidence} / "
            "confidence must be in (0, 1)"
        )


# --------------------------------------------------------------------------------------------
# Input helpers
# --------------------------------------------------------------------------------------------


def _vector(x: Any, what: str) -> F64:
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise EvaluationError(f"{what}: kun tal og tomme værdier / numbers or None only") from None
    if a.ndim != 1:
        raise EvaluationError(f"{what}: giv en liste af tal / give a 1-D sequence")
    if np.isinf(a).any():
        raise EvaluationError(f"{what}: uendelige værdier / infinite values")
    return a


def _pairs(before: Any, after: Any) -> tuple[F64, F64, int]:
    b, a = _vector(before, "før"), _vector(after, "efter")
    if b.shape != a.shape:
        raise EvaluationError(
            f"før og efter skal være lige lange ({b.size} og {a.size}) / lengths differ"
        )
    keep = ~(np.isnan(b) | np.isnan(a))
    return b[keep], a[keep], int(b.size - keep.sum())


def _sd(x: F64) -> float:
    return float(np.std(x, ddof=1))


# --------------------------------------------------------------------------------------------
# Paired change and effect sizes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairedChange:
    """Mean change ``after − before`` over children measured twice, with a t interval."""

    n: int
    n_missing: int
    mean_before: float
    mean_after: float
    mean_change: float
    sd_change: float
    se: float
    df: int
    ci_low: float
    ci_high: float
    t: float
    p: float
    confidence: float


def paired_change(before: Any, after: Any, confidence: float = 0.95) -> PairedChange:
    """Paired mean change ``after − before`` with a Student-t confidence interval.

    ``mean ± t(1 − α/2, n − 1) · sd / √n``, the interval of a paired t-test (as SciPy's
    ``ttest_rel(after, before).confidence_interval()``); ``t`` and the two-sided ``p`` test
    "mean change = 0". Pairs with a missing value are left out. When every child changed by
    the same amount (``sd = 0``) the interval has no width and ``t`` and ``p`` are NaN.
    """
    _check_confidence(confidence)
    b, a, missing = _pairs(before, after)
    n = int(b.size)
    if n < 2:
        raise EvaluationError(
            f"der skal være mindst 2 børn med før- og eftermåling, ikke {n} / need n >= 2 pairs"
        )
    d = a - b
    mean, sd = float(d.mean()), _sd(d)
    se = sd / math.sqrt(n)
    df = n - 1
    if se > 0:
        crit = t_ppf(1.0 - (1.0 - confidence) / 2.0, df)
        t = mean / se
        p = min(1.0, 2.0 * t_sf(abs(t), df))
        lo, hi = mean - crit * se, mean + crit * se
    else:
        t = p = math.nan
        lo = hi = mean
    return PairedChange(
        n=n,
        n_missing=missing,
        mean_before=float(b.mean()),
        mean_after=float(a.mean()),
        mean_change=mean,
        sd_change=sd,
        se=se,
        df=df,
        ci_low=lo,
        ci_high=hi,
        t=t,
        p=p,
        confidence=confidence,
    )


def paired_change_from_sums(
    n: int,
    sum_before: float,
    sum_after: float,
    sum_change: float,
    sum_sq_change: float,
    confidence: float = 0.95,
) -> PairedChange:
    """:func:`paired_change` from sums over the pairs, for data grouped in the database.

    ``n`` pairs, ``Σ before``, ``Σ after``, ``Σ (after − before)`` and ``Σ (after − before)²``.
    The variance is ``(Σd² − (Σd)²/n) / (n − 1)``: exact for whole-number scores (every sum is
    an integer well inside a double's 2⁵³), and within rounding for others.
    """
    _check_confidence(confidence)
    n = _count(n, "n")
    if n < 2:
        raise EvaluationError(
            f"der skal være mindst 2 børn med før- og eftermåling, ikke {n} / need n >= 2 pairs"
        )
    mean = sum_change / n
    var = max(0.0, (sum_sq_change - sum_change * sum_change / n) / (n - 1))
    sd = math.sqrt(var)
    se = sd / math.sqrt(n)
    df = n - 1
    if se > 0:
        crit = t_ppf(1.0 - (1.0 - confidence) / 2.0, df)
        t = mean / se
        p = min(1.0, 2.0 * t_sf(abs(t), df))
        lo, hi = mean - crit * se, mean + crit * se
    else:
        t = p = math.nan
        lo = hi = mean
    return PairedChange(
        n=n,
        n_missing=0,
        mean_before=sum_before / n,
        mean_after=sum_after / n,
        mean_change=mean,
        sd_change=sd,
        se=se,
        df=df,
        ci_low=lo,
        ci_high=hi,
        t=t,
        p=p,
        confidence=confidence,
    )


# --------------------------------------------------------------------------------------------
# Regression to the mean
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BeyondRegression:
    """The change beyond what regression to the mean alone would give, under stated
    assumptions (see :func:`change_beyond_regression`)."""

    n: int
    n_missing: int
    mean_before: float
    mean_after: float
    observed_change: float
    population_mean: float
    population_sd: float
    reliability: float
    expected_after: float
    expected_regression: float
    beyond: float
    sd: float
    se: float
    df: int
    ci_low: float
    ci_high: float
    confidence: float

    @property
    def standardised(self) -> float:
        """``beyond / population SD``: the change beyond regression in SDs of the norm group."""
        return self.beyond / self.population_sd


def _check_population(population_mean: float, population_sd: float, reliability: float) -> None:
    if not math.isfinite(population_mean):
        raise EvaluationError("populationens gennemsnit mangler / population mean missing")
    if not (math.isfinite(population_sd) and population_sd > 0):
        raise EvaluationError("populationens SD skal være > 0 / population SD must be > 0")
    if not 0.0 <= reliability <= 1.0:
        raise EvaluationError(
            f"reliabiliteten skal ligge mellem 0 og 1, ikke {reliability} / reliability in [0, 1]"
        )


def change_beyond_regression(
    before: Any,
    after: Any,
    *,
    population_mean: float,
    population_sd: float,
    reliability: float,
    confidence: float = 0.95,
) -> BeyondRegression:
    """Mean change beyond regression to the mean, for children selected on their baseline.

    In a population with mean ``μ`` at both occasions, in which test and retest correlate
    ``r`` (the retest reliability), a child with baseline ``x`` is expected at follow-up, with
    no intervention, at ``μ + r(x − μ)`` (the regression line of a bivariate normal with equal
    means and SDs). So for the group: ``expected_after = μ + r(x̄_before − μ)``, the change
    regression alone gives is ``expected_regression = (r − 1)(x̄_before − μ)``, and the change
    beyond it is ``beyond = x̄_after − expected_after``.

    The interval is a t interval of the per-child residuals
    ``eᵢ = afterᵢ − μ − r(beforeᵢ − μ)`` (n − 1 df), whose mean is ``beyond``. It treats ``μ``
    and ``r`` as known; the uncertainty in ``r`` is shown by computing the figure over a range
    of ``r`` (a sensitivity), not by this interval. Selection on the baseline does not bias the
    estimate as long as the assumptions hold (no drift in the population mean between the
    occasions, a linear regression of retest on test), which is why it is an *estimate under
    stated assumptions*, not an effect.
    """
    _check_confidence(confidence)
    _check_population(population_mean, population_sd, reliability)
    b, a, missing = _pairs(before, after)
    n = int(b.size)
    if n < 2:
        raise EvaluationError(
            f"der skal være mindst 2 børn med før- og eftermåling, ikke {n} / need n >= 2 pairs"
        )
    return _beyond_regression(
        b, a, missing, population_mean, population_sd, reliability, confidence, None
    )


def _beyond_regression(
    b: F64,
    a: F64,
    missing: int,
    population_mean: float,
    population_sd: float,
    reliability: float,
    confidence: float,
    means: tuple[float, float] | None,
    *,
    centred: tuple[F64, F64] | None = None,
) -> BeyondRegression:
    """:func:`change_beyond_regression` of pairs already checked (at least 2, none missing
    or infinite); ``means``: ``float(b.mean()), float(a.mean())`` when the caller has them
    (:func:`spor.evaluation.outcome.evaluate_pairs`, once for every reliability); ``centred``:
    ``a − μ`` and ``b − μ`` when the caller has them (the same for every reliability)."""
    n = int(b.size)
    mu, r = float(population_mean), float(reliability)
    a_mu, b_mu = (a - mu, b - mu) if centred is None else centred
    e = a_mu - r * b_mu
    mean_b, mean_a = (float(b.mean()), float(a.mean())) if means is None else means
    beyond = float(e.mean())
    sd = _sd(e)
    se = sd / math.sqrt(n)
    df = n - 1
    half = t_ppf(1.0 - (1.0 - confidence) / 2.0, df) * se if se > 0 else 0.0
    expected_after = mu + r * (mean_b - mu)
    return BeyondRegression(
        n=n,
        n_missing=missing,
        mean_before=mean_b,
        mean_after=mean_a,
        observed_change=mean_a - mean_b,
        population_mean=mu,
        population_sd=float(population_sd),
        reliability=r,
        expected_after=expected_after,
        expected_regression=expected_after - mean_b,
        beyond=beyond,
        sd=sd,
        se=se,
        df=df,
        ci_low=beyond - half,
        ci_high=beyond + half,
        confidence=confidence,
    )


@dataclass(frozen=True)
class ExcessShare:
    """The share of children with a reliable improvement, and the share regression to the mean
    alone would give them (``expected``): ``excess = observed.share − expected``, with the
    observed share's Wilson interval shifted by ``expected``."""

    observed: Proportion
    expected: float
    excess: float
    ci_low: float
    ci_high: float


def expected_improvement_share(
    before: Any,
    *,
    population_mean: float,
    population_sd: float,
    reliability: float,
    critical_change: float,
    higher_is_better: bool = False,
    whole_numbers: bool = True,
    shift: float = 0.0,
    distinct: tuple[Any, Any] | None = None,
) -> float:
    """The share of children with a reliable improvement that regression to the mean alone
    would give, for these baselines (with ``shift``: regression to the mean plus a change of
    ``shift`` points for every child, e.g. the change beyond regression).

    With no intervention, the follow-up of a child with baseline ``x`` is taken to be normal
    with mean ``μ + r(x − μ)`` and SD ``σ·√(1 − r²)``. An improvement is reliable when the
    change exceeds ``critical_change`` points (the RCI's ``1.96 · S_diff``) in the better
    direction. For whole-number scores the probability uses a continuity correction (a drop of
    more than ``c`` points is a follow-up of at most ``⌈x − c⌉ − 1``; below 0 is impossible).

    ``distinct``: ``np.unique(b, return_counts=True)`` of the baselines without their missing
    values, when the caller has it (one sort of the baselines for many shifts and
    reliabilities, :func:`spor.evaluation.outcome.evaluate_pairs`); the same result.
    """
    _check_population(population_mean, population_sd, reliability)
    if not (math.isfinite(critical_change) and critical_change >= 0):
        raise EvaluationError("den kritiske ændring skal være ≥ 0 / critical change must be >= 0")
    b = _vector(before, "før")
    b = b[~np.isnan(b)]
    if b.size == 0:
        raise EvaluationError("ingen førmålinger / no baselines")
    mu, r, sigma = float(population_mean), float(reliability), float(population_sd)
    # Scores repeat (whole numbers 0–40): one probability per distinct baseline.
    values, counts = np.unique(b, return_counts=True) if distinct is None else distinct
    m = mu + r * (values - mu) + float(shift)
    s = sigma * math.sqrt(max(0.0, 1.0 - r * r))
    c = float(critical_change)
    nd = NormalDist()
    out = []
    for x, mx in zip(values.tolist(), m.tolist(), strict=True):
        if higher_is_better:
            # improvement: after > x + c
            if whole_numbers:
                k = math.floor(x + c) + 1  # the lowest whole score above x + c
                p = 1.0 - _ncdf(nd, (k - 0.5 - mx), s)
            else:
                p = 1.0 - _ncdf(nd, x + c - mx, s)
        elif whole_numbers:
            k = math.ceil(x - c) - 1  # the highest whole score below x − c
            p = 0.0 if k < 0 else _ncdf(nd, k + 0.5 - mx, s)
        else:
            p = _ncdf(nd, x - c - mx, s)
        out.append(p)
    return float(np.dot(out, counts) / b.size)


def _ncdf(nd: NormalDist, d: float, s: float) -> float:
    if s == 0:
        return 1.0 if d >= 0 else 0.0
    return nd.cdf(d / s)


def excess_improvement(
    k_improved: int, n: int, expected: float, confidence: float = 0.95
) -> ExcessShare:
    """The share with a reliable improvement beyond the ``expected`` share that regression to
    the mean alone would give (:func:`expected_improvement_share`), with the Wilson interval of
    the observed share shifted by ``expected`` (``expected`` is taken as known, given the
    baselines and the assumptions)."""
    if not 0.0 <= expected <= 1.0:
        raise EvaluationError("den forventede andel skal ligge mellem 0 og 1 / expected in [0, 1]")
    p = proportion(k_improved, n, confidence)
    return ExcessShare(
        observed=p,
        expected=float(expected),
        excess=p.share - expected,
        ci_low=p.ci_low - expected,
        ci_high=p.ci_high - expected,
    )


def hedges_correction(df: float) -> float:
    """Exact small-sample correction ``J(df) = Γ(df/2) / (√(df/2) · Γ((df − 1)/2))``.

    Hedges (1981); ``J ≈ 1 − 3 / (4·df − 1)``. Computed with log-gamma so that large ``df`` do
    not overflow. ``df`` must be > 1.
    """
    if not df > 1:
        raise EvaluationError(f"Hedges' korrektion kræver df > 1, ikke {df} / need df > 1")
    return math.exp(math.lgamma(df / 2.0) - math.lgamma((df - 1.0) / 2.0)) / math.sqrt(df / 2.0)


@dataclass(frozen=True)
class EffectSizes:
    """Standardised mean change ``after − before`` three ways; see :data:`EFFECT_LABELS_DA`.

    The sign is that of the change: for SDQ difficulties a negative value is an improvement.
    """

    n: int
    n_missing: int
    mean_change: float
    sd_change: float
    sd_before: float
    sd_after: float
    dz: float
    d_av: float
    hedges_g_av: float
    hedges_j: float

    def labelled(self) -> tuple[tuple[str, float], ...]:
        """``(Danish label, value)`` for each effect size, for display."""
        return tuple((EFFECT_LABELS_DA[k], getattr(self, k)) for k in EFFECT_LABELS_DA)


def effect_sizes(before: Any, after: Any) -> EffectSizes:
    """Effect sizes for paired before/after scores (Lakens 2013, *Front Psychol* 4:863).

    * ``dz = mean change / sd(change)``: depends on how strongly before and after correlate.
    * ``d_av = mean change / ((sd_before + sd_after) / 2)``: on the scale of the scores.
    * ``hedges_g_av = d_av · J(n − 1)`` with the exact gamma-function correction
      :func:`hedges_correction`.

    Needs at least 3 pairs (``J`` needs ``df > 1``). NaN where an SD is 0.
    """
    b, a, missing = _pairs(before, after)
    n = int(b.size)
    if n < 3:
        raise EvaluationError(
            f"effektstørrelser kræver mindst 3 børn med før- og eftermåling, ikke {n} / need n >= 3"
        )
    d = a - b
    mean, sd_d = float(d.mean()), _sd(d)
    sd_b, sd_a = _sd(b), _sd(a)
    sd_av = (sd_b + sd_a) / 2.0
    dz = mean / sd_d if sd_d > 0 else math.nan
    d_av = mean / sd_av if sd_av > 0 else math.nan
    j = hedges_correction(n - 1)
    return EffectSizes(
        n=n,
        n_missing=missing,
        mean_change=mean,
        sd_change=sd_d,
        sd_before=sd_b,
        sd_after=sd_a,
        dz=dz,
        d_av=d_av,
        hedges_g_av=d_av * j,
        hedges_j=j,
    )


# --------------------------------------------------------------------------------------------
# Shares
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proportion:
    """``k`` of ``n`` with a Wilson score interval; ``label`` is "k af n"."""

    k: int
    n: int
    share: float
    ci_low: float
    ci_high: float
    confidence: float

    @property
    def label(self) -> str:
        return f"{self.k} af {self.n}"


def proportion(k: int, n: int, confidence: float = 0.95) -> Proportion:
    """The share ``k/n`` with a Wilson score interval (Wilson 1927; as statsmodels'
    ``proportion_confint(k, n, method="wilson")``)::

        (k + z²/2) / (n + z²)  ±  z / (n + z²) · √(k(n − k)/n + z²/4)

    ``z`` is the standard normal quantile at ``1 − α/2``.
    """
    _check_confidence(confidence)
    k_i, n_i = _count(k, "k"), _count(n, "n")
    if n_i == 0:
        raise EvaluationError("andelen kan ikke beregnes uden børn (n = 0) / n must be > 0")
    if k_i > n_i:
        raise EvaluationError(f"k ({k_i}) kan ikke være større end n ({n_i}) / k > n")
    z = _z(confidence)
    z2 = z * z
    centre = (k_i + z2 / 2.0) / (n_i + z2)
    half = z / (n_i + z2) * math.sqrt(k_i * (n_i - k_i) / n_i + z2 / 4.0)
    return Proportion(
        k=k_i,
        n=n_i,
        share=k_i / n_i,
        ci_low=max(0.0, centre - half),
        ci_high=min(1.0, centre + half),
        confidence=confidence,
    )


def _count(x: Any, what: str) -> int:
    if isinstance(x, bool) or not float(x).is_integer() or x < 0:
        raise EvaluationError(f"{what} skal være et helt tal ≥ 0, ikke {x!r} / need a count")
    return int(x)


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(np.isnan(x))
    except TypeError:
        return False


def change_categories(
    categories: Any, confidence: float = 0.95, *, weights: Any = None
) -> dict[str, Proportion]:
    """Shares of the change categories of :func:`spor.sdq.change_category`.

    ``categories`` holds, per child, either the index into :data:`spor.sdq.CHANGE_CATEGORIES`
    that ``change_category`` returns (``-1`` = not computable) or the category code; ``None``
    and NaN are missing too. Missing children are left out of ``n``. The result has the five
    exclusive categories (they sum to ``n``) and two unions (:data:`CHANGE_SUMMARY_KEYS`):
    ``any_reliable_improvement`` = reliable improvement + reliable recovery, and
    ``into_normal_range`` = moved into the normal range + reliable recovery.

    ``weights``, if given, holds a count of children per entry (grouped data): the result is
    that of the categories repeated that many times.
    """
    counts, n = change_category_counts(categories, weights=weights)
    return {key: proportion(counts[key], n, confidence) for key in CHANGE_SUMMARY_KEYS}


def change_category_counts(categories: Any, *, weights: Any = None) -> tuple[dict[str, int], int]:
    """The children per key of :data:`CHANGE_SUMMARY_KEYS` and how many have a category:
    the counts behind :func:`change_categories`, which are defined also when no child has a
    category (every count 0 of ``n`` = 0), where a share is not.

    >>> change_category_counts([0, 0, -1, None])[1]
    2
    """
    counts = dict.fromkeys(CHANGE_CATEGORIES, 0)
    values = np.asarray(categories, dtype=object).ravel().tolist()
    for value, w in zip(values, _weights(weights, len(values)), strict=True):
        if _is_missing(value):
            continue
        if isinstance(value, str):
            if value not in counts:
                raise EvaluationError(
                    f"ukendt ændringskategori {value!r}; brug {', '.join(CHANGE_CATEGORIES)} / "
                    "unknown category"
                )
            counts[value] += w
            continue
        idx = int(value)
        if idx != value or idx < -1 or idx >= len(CHANGE_CATEGORIES):
            raise EvaluationError(f"ukendt ændringskategori {value!r} / unknown category index")
        if idx >= 0:
            counts[CHANGE_CATEGORIES[idx]] += w
    n = sum(counts.values())
    counts["any_reliable_improvement"] = (
        counts["reliable_improvement"] + counts["reliable_recovery"]
    )
    counts["into_normal_range"] = counts["moved_into_normal_range"] + counts["reliable_recovery"]
    return {key: counts[key] for key in CHANGE_SUMMARY_KEYS}, n


@dataclass(frozen=True)
class BandTransitions:
    """Counts of children by band before (rows) and after (columns)."""

    bands: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    n: int
    n_missing: int

    def as_array(self) -> npt.NDArray[np.int64]:
        return np.array(self.counts, dtype=np.int64)


def band_transitions(
    before_bands: Any, after_bands: Any, bands: Sequence[str] = BANDS_3, *, weights: Any = None
) -> BandTransitions:
    """The band transition table, ``counts[i][j]`` = children in band ``i`` before and ``j`` after.

    Bands are codes (``"normal"``) or indices into ``bands`` as :func:`spor.sdq.band` returns
    them (``-1`` = not banded); ``None`` and NaN are missing. A child missing either band is
    left out and counted in ``n_missing``. The table is 3×3 for a three-band norm set; give
    ``bands`` for another (the four-band set gives 4×4). ``weights``, if given, holds a count
    of children per entry (grouped data).
    """
    codes = tuple(bands)
    if len(set(codes)) != len(codes) or not codes:
        raise EvaluationError("båndene skal være forskellige og mindst ét / bands must be unique")
    b = np.asarray(before_bands, dtype=object).ravel().tolist()
    a = np.asarray(after_bands, dtype=object).ravel().tolist()
    if len(b) != len(a):
        raise EvaluationError(f"før og efter skal være lige lange ({len(b)}, {len(a)}) / lengths")
    counts = [[0] * len(codes) for _ in codes]
    missing = 0
    for x, y, w in zip(b, a, _weights(weights, len(b)), strict=True):
        i, j = _band_index(x, codes), _band_index(y, codes)
        if i is None or j is None:
            missing += w
        else:
            counts[i][j] += w
    return BandTransitions(
        bands=codes,
        counts=tuple(tuple(row) for row in counts),
        n=sum(map(sum, counts)),
        n_missing=missing,
    )


def _weights(weights: Any, n: int) -> list[int]:
    """Counts per entry of grouped data (all 1 when not given)."""
    if weights is None:
        return [1] * n
    w = np.asarray(weights, dtype=object).ravel().tolist()
    if len(w) != n:
        raise EvaluationError(f"vægtene skal være {n}, ikke {len(w)} / one weight per entry")
    return [_count(x, "en vægt") for x in w]


def _band_index(x: Any, codes: tuple[str, ...]) -> int | None:
    if _is_missing(x):
        return None
    if isinstance(x, str):
        if x not in codes:
            raise EvaluationError(f"ukendt bånd {x!r}; brug {', '.join(codes)} / unknown band")
        return codes.index(x)
    i = int(x)
    if i != x or i < -1 or i >= len(codes):
        raise EvaluationError(f"ukendt båndindeks {x!r} / unknown band index")
    return None if i == -1 else i


# --------------------------------------------------------------------------------------------
# Attrition
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attrition:
    """Who has a follow-up, and did completers start differently from non-completers?

    ``difference = mean_completers − mean_noncompleters`` at baseline, with a Welch interval;
    the Welch fields are NaN when either group has fewer than 2 children.
    """

    followup: Proportion
    n_completers: int
    n_noncompleters: int
    mean_completers: float
    mean_noncompleters: float
    difference: float
    ci_low: float
    ci_high: float
    t: float
    df: float
    p: float
    confidence: float


def attrition(baseline: Any, has_followup: Any, confidence: float = 0.95) -> Attrition:
    """Share with a follow-up (Wilson), and baseline of completers vs. non-completers (Welch).

    Welch–Satterthwaite: ``se² = s₁²/n₁ + s₂²/n₂``, ``df = se⁴ / ((s₁²/n₁)²/(n₁−1) +
    (s₂²/n₂)²/(n₂−1))``, interval ``difference ± t(1 − α/2, df) · se`` (as SciPy's
    ``ttest_ind(completers, noncompleters, equal_var=False)``). Children without a baseline
    score are left out entirely.
    """
    _check_confidence(confidence)
    x = _vector(baseline, "baseline")
    if isinstance(has_followup, np.ndarray) and has_followup.dtype == np.bool_:
        flags = has_followup.ravel()  # booleans already: nothing to check per child
    else:
        flags = np.asarray(has_followup, dtype=object).ravel()
    if flags.size != x.size:
        raise EvaluationError(
            f"baseline og opfølgning skal være lige lange ({x.size}, {flags.size}) / lengths"
        )
    if flags.dtype != np.bool_ and not all(isinstance(f, bool | np.bool_) for f in flags.tolist()):
        raise EvaluationError("has_followup skal være True/False / has_followup must be booleans")
    done = flags.astype(bool)
    keep = ~np.isnan(x)
    x, done = x[keep], done[keep]
    c, nc = x[done], x[~done]
    n1, n2 = int(c.size), int(nc.size)
    followup = proportion(n1, n1 + n2, confidence)
    m1 = float(c.mean()) if n1 else math.nan
    m2 = float(nc.mean()) if n2 else math.nan
    diff = m1 - m2
    lo = hi = t = df = p = math.nan
    if n1 >= 2 and n2 >= 2:
        v1, v2 = float(np.var(c, ddof=1)) / n1, float(np.var(nc, ddof=1)) / n2
        se2 = v1 + v2
        if se2 > 0:
            se = math.sqrt(se2)
            df = se2 * se2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
            crit = t_ppf(1.0 - (1.0 - confidence) / 2.0, df)
            t = diff / se
            p = min(1.0, 2.0 * t_sf(abs(t), df))
            lo, hi = diff - crit * se, diff + crit * se
    return Attrition(
        followup=followup,
        n_completers=n1,
        n_noncompleters=n2,
        mean_completers=m1,
        mean_noncompleters=m2,
        difference=diff,
        ci_low=lo,
        ci_high=hi,
        t=t,
        df=df,
        p=p,
        confidence=confidence,
    )


# --------------------------------------------------------------------------------------------
# Variation between municipalities
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSummary:
    id: Hashable
    n: int
    mean: float
    sd: float


@dataclass(frozen=True)
class Variation:
    """Variation of a measure (e.g. change per child) between municipalities.

    One-way ANOVA and its random-effects variance components, ICC(1), the SD of the
    municipalities' means, and Cochran's Q with I² and the DerSimonian–Laird τ².
    """

    n: int
    k: int
    grand_mean: float
    groups: tuple[GroupSummary, ...]
    ss_between: float
    ss_within: float
    df_between: int
    df_within: int
    ms_between: float
    ms_within: float
    f: float
    p_f: float
    n0: float
    var_between: float
    var_within: float
    icc: float
    sd_of_means: float
    q: float
    df_q: int
    p_q: float
    i2: float
    tau2: float


def _grouped(x: F64, ids: np.ndarray) -> dict[Hashable, F64]:
    """The values that are not missing per id, the ids in order of first appearance and each
    id's values in their order (as a loop appending each value to its id's list gives)."""
    keep = ~np.isnan(x)
    values, groups = x[keep], ids[keep]
    if not values.size:
        return {}
    uniq, first, inverse = np.unique(groups, return_index=True, return_inverse=True)
    by_first = np.argsort(first, kind="stable")
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[by_first] = np.arange(len(uniq))
    code = rank[inverse.ravel()]
    ordered = values[np.argsort(code, kind="stable")]
    bounds = np.concatenate([[0], np.cumsum(np.bincount(code, minlength=len(uniq)))]).tolist()
    return {g: ordered[bounds[i] : bounds[i + 1]] for i, g in enumerate(uniq[by_first].tolist())}


def between_municipalities(
    values: Any, municipality_ids: Sequence[Hashable] | np.ndarray
) -> Variation:
    """How much a per-child measure varies between municipalities.

    * One-way ANOVA: ``F = MS_between / MS_within`` on ``(k − 1, N − k)`` df (as SciPy's
      ``f_oneway``).
    * Variance components (ANOVA estimator, unbalanced): ``n₀ = (N − Σnᵢ²/N) / (k − 1)``,
      ``var_between = max(0, (MS_between − MS_within) / n₀)``, ``var_within = MS_within``,
      ``icc = var_between / (var_between + var_within)``: the share of the variation that lies
      between municipalities (ICC(1), truncated at 0).
    * ``sd_of_means``: the plain SD (``ddof=1``) of the municipalities' means.
    * Cochran's Q on the municipalities' means with inverse-variance weights ``wᵢ = nᵢ / sᵢ²``
      (municipalities with ``nᵢ ≥ 2`` and ``sᵢ > 0``), ``p_q`` from χ²(kq − 1),
      ``I² = max(0, (Q − df)/Q)``, ``τ² = max(0, (Q − df) / (Σw − Σw²/Σw))`` (as statsmodels'
      ``combine_effects(..., method_re="dl")``); NaN with fewer than 2 such municipalities.

    Children with a missing value are left out. Municipalities are listed in order of first
    appearance. Means of small municipalities must still pass disclosure control before
    they leave Spor. ``municipality_ids`` as a NumPy array of integers is grouped without a
    Python step per child (the same groups, their values in the same order).
    """
    x = _vector(values, "værdier")
    if isinstance(municipality_ids, np.ndarray) and municipality_ids.dtype.kind in "iu":
        if municipality_ids.shape != x.shape:
            raise EvaluationError(
                f"værdier og kommuner skal være lige lange ({x.size}, {municipality_ids.size}) "
                "/ lengths differ"
            )
        arrays = _grouped(x, municipality_ids)
    else:
        ids = list(municipality_ids)
        if len(ids) != x.size:
            raise EvaluationError(
                f"værdier og kommuner skal være lige lange ({x.size}, {len(ids)}) / lengths differ"
            )
        order: dict[Hashable, list[float]] = {}
        for v, g in zip(x.tolist(), ids, strict=True):
            if not math.isnan(v):
                order.setdefault(g, []).append(v)
        arrays = {g: np.asarray(v, dtype=np.float64) for g, v in order.items()}
    k = len(arrays)
    n = sum(a.size for a in arrays.values())
    if k < 2 or n - k < 1:
        raise EvaluationError(
            "der skal være mindst 2 kommuner og flere børn end kommuner / need k >= 2 and N > k"
        )
    all_x = np.concatenate(list(arrays.values()))
    grand = float(all_x.mean())
    groups = tuple(
        GroupSummary(g, int(a.size), float(a.mean()), _sd(a) if a.size > 1 else math.nan)
        for g, a in arrays.items()
    )
    ss_b = float(sum(a.size * (a.mean() - grand) ** 2 for a in arrays.values()))
    ss_w = float(sum(((a - a.mean()) ** 2).sum() for a in arrays.values()))
    df_b, df_w = k - 1, n - k
    ms_b, ms_w = ss_b / df_b, ss_w / df_w
    if ms_w > 0:
        f = ms_b / ms_w
        p_f = f_sf(f, df_b, df_w)
    else:
        f = p_f = math.nan
    sizes = np.array([a.size for a in arrays.values()], dtype=np.float64)
    n0 = (n - float((sizes**2).sum()) / n) / df_b
    var_b = max(0.0, (ms_b - ms_w) / n0)
    var_w = ms_w
    icc = var_b / (var_b + var_w) if var_b + var_w > 0 else math.nan
    means = np.array([g.mean for g in groups])
    sd_means = float(np.std(means, ddof=1))

    usable = [g for g in groups if g.n >= 2 and g.sd > 0]
    q = p_q = i2 = tau2 = math.nan
    df_q = len(usable) - 1
    if len(usable) >= 2:
        w = np.array([g.n / g.sd**2 for g in usable])
        m = np.array([g.mean for g in usable])
        pooled = float((w * m).sum() / w.sum())
        q = float((w * (m - pooled) ** 2).sum())
        p_q = chi2_sf(q, df_q)
        i2 = max(0.0, (q - df_q) / q) if q > 0 else 0.0
        c = float(w.sum() - (w**2).sum() / w.sum())
        tau2 = max(0.0, (q - df_q) / c)
    return Variation(
        n=n,
        k=k,
        grand_mean=grand,
        groups=groups,
        ss_between=ss_b,
        ss_within=ss_w,
        df_between=df_b,
        df_within=df_w,
        ms_between=ms_b,
        ms_within=ms_w,
        f=f,
        p_f=p_f,
        n0=n0,
        var_between=var_b,
        var_within=var_w,
        icc=icc,
        sd_of_means=sd_means,
        q=q,
        df_q=df_q,
        p_q=p_q,
        i2=i2,
        tau2=tau2,
    )


# --------------------------------------------------------------------------------------------
# Beyond SDQ: specialised help, waiting times, reach
# --------------------------------------------------------------------------------------------


def _flags(x: Any, what: str) -> list[bool | None]:
    out: list[bool | None] = []
    for v in np.asarray(x, dtype=object).ravel().tolist():
        if _is_missing(v):
            out.append(None)
        elif isinstance(v, bool | np.bool_):
            out.append(bool(v))
        else:
            raise EvaluationError(f"{what}: kun True, False eller None / booleans or None only")
    return out


def share_specialised(
    specialised: Any, medication: Any = None, confidence: float = 0.95
) -> dict[str, Proportion]:
    """Share of ended cases that went on to specialised help, medication, or either.

    One flag per ended forløb (``None`` = not known, left out). Returns ``"specialised"``,
    and with ``medication`` also ``"medication"`` and ``"either"`` (known when either flag is
    True or both are known). Lower is the programme's aim, but without a comparison group a
    share says nothing about what would have happened otherwise.
    """
    spec = _flags(specialised, "specialiseret hjælp")
    out = {"specialised": _share_of_true(spec, confidence)}
    if medication is not None:
        med = _flags(medication, "medicin")
        if len(med) != len(spec):
            raise EvaluationError("de to lister skal være lige lange / lengths differ")
        either: list[bool | None] = []
        for s, m in zip(spec, med, strict=True):
            if s is True or m is True:
                either.append(True)
            elif s is None or m is None:
                either.append(None)
            else:
                either.append(False)
        out["medication"] = _share_of_true(med, confidence)
        out["either"] = _share_of_true(either, confidence)
    return out


def _share_of_true(flags: list[bool | None], confidence: float) -> Proportion:
    known = [f for f in flags if f is not None]
    return proportion(sum(known), len(known), confidence)


def days_between(starts: Sequence[Any], ends: Sequence[Any]) -> list[int | None]:
    """Whole days from each start date to its end date; ``None`` where either is missing.

    Accepts :class:`datetime.date` or :class:`datetime.datetime` (the date part is used).
    An end before its start is an error: it is a data error, not a waiting time.
    """
    if len(starts) != len(ends):
        raise EvaluationError("start- og slutdatoer skal være lige mange / lengths differ")
    out: list[int | None] = []
    for i, (s, e) in enumerate(zip(starts, ends, strict=True), 1):
        if s is None or e is None:
            out.append(None)
            continue
        s_d = s.date() if isinstance(s, _dt.datetime) else s
        e_d = e.date() if isinstance(e, _dt.datetime) else e
        days = (e_d - s_d).days
        if days < 0:
            raise EvaluationError(
                f"række {i}: slutdatoen ligger før startdatoen / end date before start date"
            )
        out.append(days)
    return out


@dataclass(frozen=True)
class WaitingTimes:
    """Days waited: quartiles by NumPy's default (linear, Hyndman–Fan type 7) method."""

    n: int
    n_missing: int
    median: float
    p25: float
    p75: float
    mean: float
    minimum: float
    maximum: float


def waiting_times(days: Any) -> WaitingTimes:
    """Median, quartiles and mean of waiting times in days (e.g. concern → first PPR action).

    Quartiles use linear interpolation between order statistics (Hyndman & Fan type 7, the
    default of NumPy's ``percentile`` and R's ``quantile``). ``None``/NaN (still waiting, or
    unknown) are left out and counted in ``n_missing``: the figures describe completed waits
    only and understate the wait while many are still waiting.
    """
    x = _vector(days, "ventetider")
    keep = ~np.isnan(x)
    d = x[keep]
    if d.size == 0:
        raise EvaluationError("ingen afsluttede ventetider / no completed waiting times")
    if (d < 0).any():
        raise EvaluationError("en ventetid er negativ / negative waiting time")
    p25, med, p75 = np.percentile(d, [25.0, 50.0, 75.0], method="linear")
    return WaitingTimes(
        n=int(d.size),
        n_missing=int(x.size - d.size),
        median=float(med),
        p25=float(p25),
        p75=float(p75),
        mean=float(d.mean()),
        minimum=float(d.min()),
        maximum=float(d.max()),
    )


@dataclass(frozen=True)
class PerPosition:
    """Children reached per funded PPR position (full-time equivalent, årsværk)."""

    children: int
    positions: float
    per_position: float

    @property
    def label(self) -> str:
        return f"{self.children} børn / {self.positions:g} stillinger"


def children_per_position(children: int | Sequence[Hashable], positions: float) -> PerPosition:
    """Children reached per funded position: ``children / positions``.

    ``children`` is a count, or a sequence of (pseudonymous) child ids, counted once each.
    ``positions`` is the funded full-time equivalents for the same period (> 0).
    """
    if isinstance(children, int | np.integer) and not isinstance(children, bool):
        count = _count(children, "børn")
    elif isinstance(children, Sequence | np.ndarray) and not isinstance(children, str):
        count = len(set(children))
    else:
        raise EvaluationError("children: et antal eller en liste af barn-id'er / count or ids")
    pos = float(positions)
    if not (pos > 0 and math.isfinite(pos)):
        raise EvaluationError(f"antal stillinger skal være > 0, ikke {positions} / need > 0")
    return PerPosition(children=count, positions=pos, per_position=count / pos)
