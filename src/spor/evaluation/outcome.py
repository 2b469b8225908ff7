"""The honest summary of a before/after SDQ measurement: one function for the evaluation page
and for ``spor sdq evaluate``, so that both give the same figures on the same pairs.

:func:`evaluate_pairs` takes the total difficulties scores of children measured twice and the
norm set's parameters (:class:`spor.sdq.RciParameters`) and returns an :class:`Outcome`:

* the raw change with its t interval (:func:`spor.evaluation.stats.paired_change`);
* the change beyond regression to the mean, with its interval
  (:func:`spor.evaluation.stats.change_beyond_regression`), an estimate under stated
  assumptions;
* reliable change (Jacobson & Truax) with the SD and reliability it uses named, and the
  share with a reliable improvement beyond what regression to the mean alone would give;
* the same figures over the plausible range of the reliability (a sensitivity).

Pure: NumPy and :mod:`spor.sdq` only, no Django.

    >>> from spor import sdq
    >>> p = sdq.rci_details("teacher", "total", "uk-3band")
    >>> out = evaluate_pairs([20, 18, 25, 22, 19], [14, 15, 20, 19, 18], params=p)
    >>> out.n_pairs, round(out.change.mean_change, 1)
    (5, -3.6)
    >>> out.beyond.expected_regression < 0   # regression alone lowers a high group's mean
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from spor import sdq
from spor.evaluation import stats

__all__ = [
    "ASSUMPTIONS_DA",
    "ASSUMPTIONS_EN",
    "DESIGN_DA",
    "DESIGN_EN",
    "EffectShare",
    "Outcome",
    "ReliableCounts",
    "SensitivityRow",
    "beyond_of_pairs",
    "evaluate_pairs",
    "reliability_grid",
    "reliable_flags",
]

DESIGN_EN: Final = (
    "Uncontrolled before/after measurement of children selected because they struggled: no "
    "comparison group, regression to the mean, the rater often helps the child, attrition."
)
DESIGN_DA: Final = (
    "Før/efter-måling uden kontrolgruppe af børn, der blev valgt, fordi de havde det svært: "
    "ingen sammenligning, regression mod middelværdien, den der udfylder skemaet hjælper ofte "
    "barnet, frafald."
)
ASSUMPTIONS_EN: Final = (
    "Estimate under stated assumptions: without the intervention a child's follow-up is "
    "expected at mu + r(baseline - mu), with mu the norm group's mean and r the retest "
    "reliability; the population mean does not drift between the occasions; the interval "
    "treats mu and r as known (see the sensitivity over r)."
)
ASSUMPTIONS_DA: Final = (
    "Et skøn under antagelser: uden indsatsen forventes et barns eftermåling at ligge på "
    "μ + r·(førmåling − μ), hvor μ er normgruppens gennemsnit og r test-retest-reliabiliteten; "
    "normgruppens gennemsnit ændrer sig ikke mellem målingerne; intervallet regner μ og r for "
    "kendte (se følsomheden over r)."
)
GRID: Final = (0.70, 0.80)
"""Reliabilities between the retest and the internal-consistency figure shown in the
sensitivity."""


@dataclass(frozen=True)
class ReliableCounts:
    """Children by reliable change (RCI alone, no normal range), with the parameters used."""

    reliability: float
    reliability_kind: str
    sd: float
    critical_change: float
    n: int
    improved: int
    unchanged: int
    deteriorated: int


@dataclass(frozen=True)
class SensitivityRow:
    reliability: float
    reliability_kind: str
    counts: ReliableCounts
    beyond: stats.BeyondRegression | None
    expected_improvement: float | None
    default: bool


@dataclass(frozen=True)
class EffectShare:
    """The change beyond regression to the mean, in the unit the investment case needs: the
    extra share of children with a reliable improvement. ``expected`` is the share regression
    to the mean alone gives these baselines; ``effect`` is the share when the follow-up is also
    moved by the change beyond regression, minus ``expected``; the interval maps the change's
    95 % interval the same way (the map is monotone). Model-based, so it reveals no count."""

    expected: float
    effect: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Outcome:
    n_pairs: int
    params: sdq.RciParameters
    change: stats.PairedChange
    beyond: stats.BeyondRegression | None
    reliable: ReliableCounts
    excess: stats.ExcessShare | None
    sensitivity: tuple[SensitivityRow, ...]
    higher_is_better: bool = False
    effect_share: EffectShare | None = None

    def as_json(self) -> dict[str, Any]:
        """The figures as plain JSON values (NaN → ``None``)."""
        p, pc = self.params, self.change
        out: dict[str, Any] = {
            "n_pairs": self.n_pairs,
            "scale": p.scale,
            "informant": p.informant,
            "norm_set": p.norm_set,
            "before_mean": _j(pc.mean_before),
            "after_mean": _j(pc.mean_after),
            "change": {
                "mean": _j(pc.mean_change),
                "ci_low": _j(pc.ci_low),
                "ci_high": _j(pc.ci_high),
                "sd": _j(pc.sd_change),
                "confidence": pc.confidence,
            },
            "change_beyond_regression": _beyond_json(self.beyond),
            "reliable_change": {
                **_counts_json(self.reliable),
                "effect_share_beyond_regression": None
                if self.effect_share is None
                else {
                    "expected_share_from_regression": _j(self.effect_share.expected),
                    "effect": _j(self.effect_share.effect),
                    "ci_low": _j(self.effect_share.ci_low),
                    "ci_high": _j(self.effect_share.ci_high),
                },
                "excess_improvement": None
                if self.excess is None
                else {
                    "observed_share": _j(self.excess.observed.share),
                    "expected_share_from_regression": _j(self.excess.expected),
                    "excess_share": _j(self.excess.excess),
                    "ci_low": _j(self.excess.ci_low),
                    "ci_high": _j(self.excess.ci_high),
                },
            },
            "sensitivity": [
                {
                    **_counts_json(row.counts),
                    "default": row.default,
                    "change_beyond_regression": _beyond_json(row.beyond),
                }
                for row in self.sensitivity
            ],
            "design": DESIGN_EN,
            "assumptions": ASSUMPTIONS_EN,
            "sources": dict(p.sources),
        }
        return out


def _j(x: float | None) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return float(x)


def _counts_json(c: ReliableCounts) -> dict[str, Any]:
    return {
        "reliability": c.reliability,
        "reliability_kind": c.reliability_kind,
        "sd": c.sd,
        "critical_change": _j(c.critical_change),
        "n": c.n,
        "improved": c.improved,
        "unchanged": c.unchanged,
        "deteriorated": c.deteriorated,
    }


def _beyond_json(b: stats.BeyondRegression | None) -> dict[str, Any] | None:
    if b is None:
        return None
    return {
        "mean": _j(b.beyond),
        "ci_low": _j(b.ci_low),
        "ci_high": _j(b.ci_high),
        "expected_regression": _j(b.expected_regression),
        "expected_after": _j(b.expected_after),
        "population_mean": b.population_mean,
        "population_sd": b.population_sd,
        "reliability": b.reliability,
        "standardised": _j(b.standardised),
    }


def reliability_grid(params: sdq.RciParameters) -> list[tuple[float, str]]:
    """The reliabilities of the sensitivity: the default, internal consistency (if known) and
    :data:`GRID` between them, lowest first, each with its kind."""
    out: dict[float, str] = {round(params.reliability, 4): params.reliability_kind}
    alpha = params.internal_consistency
    if not math.isnan(alpha):
        out.setdefault(round(alpha, 4), "internal_consistency")
        lo, hi = sorted((params.reliability, alpha))
        for r in GRID:
            if lo < r < hi:
                out.setdefault(r, "range")
    return sorted(out.items())


def reliable_flags(
    before: Sequence[float] | np.ndarray,
    after: Sequence[float] | np.ndarray,
    params: sdq.RciParameters,
    *,
    higher_is_better: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(improved, deteriorated) per pair: a reliable change (RCI beyond ±1.96) with
    ``params``' SD and reliability, as :class:`ReliableCounts` counts them."""
    rci = sdq.reliable_change(
        np.asarray(before, dtype=np.float64),
        np.asarray(after, dtype=np.float64),
        informant=params.informant,
        sd=params.sd,
        reliability=params.reliability,
    )
    return _directions(rci, higher_is_better)


def _directions(rci: np.ndarray, higher_is_better: bool) -> tuple[np.ndarray, np.ndarray]:
    """(improved, deteriorated) per pair of its reliable change index."""
    up, down = rci > sdq.RCI_CRITICAL, rci < -sdq.RCI_CRITICAL
    return (up, down) if higher_is_better else (down, up)


def _counts(
    before: np.ndarray, after: np.ndarray, params: sdq.RciParameters, higher_is_better: bool
) -> ReliableCounts:
    improved, worse = reliable_flags(before, after, params, higher_is_better=higher_is_better)
    return _counted(improved, worse, int(before.size), params)


def _counts_of(
    change: np.ndarray, params: sdq.RciParameters, higher_is_better: bool
) -> ReliableCounts:
    """:func:`_counts` of the pairs whose :func:`sdq.score_change` is ``change``."""
    rci = sdq.rci_of_change(change, sd=params.sd, reliability=params.reliability)
    improved, worse = _directions(rci, higher_is_better)
    return _counted(improved, worse, int(change.size), params)


def _counted(
    improved: np.ndarray, worse: np.ndarray, n: int, params: sdq.RciParameters
) -> ReliableCounts:
    k_up, k_down = int(improved.sum()), int(worse.sum())
    return ReliableCounts(
        reliability=params.reliability,
        reliability_kind=params.reliability_kind,
        sd=params.sd,
        critical_change=params.critical_change,
        n=n,
        improved=k_up,
        unchanged=n - k_up - k_down,
        deteriorated=k_down,
    )


def _beyond(
    before: np.ndarray,
    after: np.ndarray,
    params: sdq.RciParameters,
    confidence: float,
    means: tuple[float, float] | None = None,
    centred: _Centred | None = None,
) -> stats.BeyondRegression | None:
    """:func:`stats.change_beyond_regression`; with ``means`` (the pairs' means, as it takes
    them), of pairs :func:`evaluate_pairs` has checked already: not checked again; with
    ``centred``, the pairs' distances from the population mean taken once for every
    reliability."""
    if math.isnan(params.mean):
        return None
    if means is not None:
        stats._check_confidence(confidence)
        stats._check_population(params.mean, params.sd, params.reliability)
        return stats._beyond_regression(
            before,
            after,
            0,
            params.mean,
            params.sd,
            params.reliability,
            confidence,
            means,
            centred=centred.get(float(params.mean)) if centred is not None else None,
        )
    return stats.change_beyond_regression(
        before,
        after,
        population_mean=params.mean,
        population_sd=params.sd,
        reliability=params.reliability,
        confidence=confidence,
    )


class _Centred:
    """``after − μ`` and ``before − μ`` of the pairs per population mean μ, as
    :func:`stats._beyond_regression` works them out: the same arrays at every reliability of
    the sensitivity (only ``r`` scales the second), so worked out once."""

    def __init__(self, before: np.ndarray, after: np.ndarray) -> None:
        self.before, self.after = before, after
        self.found: dict[tuple[float, float], tuple[np.ndarray, np.ndarray]] = {}

    def get(self, mean: float) -> tuple[np.ndarray, np.ndarray]:
        key = (mean, math.copysign(1.0, mean))  # 0.0 and -0.0 subtract differently
        if key not in self.found:
            self.found[key] = (self.after - mean, self.before - mean)
        return self.found[key]


_SMALL_SCORE = 1 << 16


class _Baselines:
    """The baselines with what every :func:`_expected` of them needs worked out once: whether
    they are whole numbers, and their distinct values with counts (a sort of all of them)."""

    def __init__(self, before: np.ndarray) -> None:
        self.before = before
        self.whole = bool(np.all(before == np.round(before)))
        self.distinct: tuple[np.ndarray, np.ndarray] | None = None
        if not before.size:
            return
        if self.whole and before.min() >= 0 and before.max() <= _SMALL_SCORE:
            # Whole scores counted by value: the distinct values in order with their counts,
            # as np.unique gives them, without sorting every child's baseline.
            counts = np.bincount(before.astype(np.int64))
            values = np.flatnonzero(counts)
            self.distinct = values.astype(np.float64), counts[values]
        else:
            self.distinct = np.unique(before, return_counts=True)


def _expected(
    base: _Baselines, params: sdq.RciParameters, higher_is_better: bool, shift: float = 0.0
) -> float | None:
    if math.isnan(params.mean):
        return None
    return stats.expected_improvement_share(
        base.before,
        population_mean=params.mean,
        population_sd=params.sd,
        reliability=params.reliability,
        critical_change=params.critical_change,
        higher_is_better=higher_is_better,
        whole_numbers=base.whole,
        shift=shift,
        distinct=base.distinct,
    )


def _checked(
    before: Sequence[float] | np.ndarray, after: Sequence[float] | np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray, stats.PairedChange]:
    """The pairs without a missing value, as arrays, and their change (which refuses fewer
    than 2 pairs and infinities)."""
    b0 = np.asarray(before, dtype=np.float64)
    a0 = np.asarray(after, dtype=np.float64)
    if b0.shape != a0.shape or b0.ndim != 1:
        raise stats.EvaluationError("før og efter skal være lige lange lister / same length")
    keep = ~(np.isnan(b0) | np.isnan(a0))
    b, a = b0[keep], a0[keep]
    return b, a, stats.paired_change(b, a, confidence)


def beyond_of_pairs(
    before: Sequence[float] | np.ndarray,
    after: Sequence[float] | np.ndarray,
    *,
    params: sdq.RciParameters,
    confidence: float = 0.95,
) -> stats.BeyondRegression | None:
    """:func:`evaluate_pairs`'s ``beyond`` alone: the change beyond regression to the mean at
    ``params``' reliability, for a caller that shows nothing else of the outcome (a row of
    the programme evaluator's tables). The same checks and the same steps on the same
    arrays, so the same figure to the last bit, without the sensitivity grid's counts and
    shares."""
    b, a, _ = _checked(before, after, confidence)
    return _beyond(b, a, params, confidence, (float(b.mean()), float(a.mean())), _Centred(b, a))


def evaluate_pairs(
    before: Sequence[float] | np.ndarray,
    after: Sequence[float] | np.ndarray,
    *,
    params: sdq.RciParameters,
    higher_is_better: bool = False,
    confidence: float = 0.95,
) -> Outcome:
    """The :class:`Outcome` of children measured twice (``before[i]``, ``after[i]``; pairs with
    a missing value are left out). ``params`` names the norm set, the population mean and SD
    and the reliability (:func:`spor.sdq.rci_details`, adjusted with ``with_reliability`` /
    ``with_population``). Needs at least 2 pairs."""
    b, a, change = _checked(before, after, confidence)
    base = _Baselines(b)
    # The pairs are checked (paired_change refuses fewer than 2 and infinities; none is
    # missing), and their means are the same for every reliability: taken once.
    means = (float(b.mean()), float(a.mean()))
    # What every reliability's counts and change beyond regression compute from the pairs
    # before their reliability enters: the change, and the distances from the population
    # mean. The same arrays, so the same figures to the last bit.
    change_scores = sdq.score_change(b, a)
    centred = _Centred(b, a)
    rows = []
    for r, kind in reliability_grid(params):
        pr = params if r == round(params.reliability, 4) else params.with_reliability(r, kind)
        rows.append(
            SensitivityRow(
                reliability=r,
                reliability_kind=kind,
                counts=_counts_of(change_scores, pr, higher_is_better),
                beyond=_beyond(b, a, pr, confidence, means, centred),
                expected_improvement=_expected(base, pr, higher_is_better),
                default=r == round(params.reliability, 4),
            )
        )
    # The default reliability's row is of ``params`` itself (the grid has it once): its
    # figures are the default ones, not computed a second time.
    default = next(row for row in rows if row.default)
    reliable = default.counts
    expected = default.expected_improvement
    excess = (
        None
        if expected is None
        else stats.excess_improvement(reliable.improved, reliable.n, expected, confidence)
    )
    beyond = default.beyond
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
