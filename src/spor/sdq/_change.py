"""Change between two measurements: reliable change, change categories, Added Value."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from spor.sdq._base import MISSING, SDQError
from spor.sdq._instrument import load_instrument
from spor.sdq._norms import RCI_NUMBERS, NormSet, band, load_norm_set
from spor.sdq._result import ScoreResult

F64 = npt.NDArray[np.float64]

CHANGE_CATEGORIES: Final = (
    "reliable_improvement",
    "no_reliable_change",
    "reliable_deterioration",
    "moved_into_normal_range",
    "reliable_recovery",
)
"""Codes of :func:`change_category`; the array holds the index, ``-1`` where not computable."""

CHANGE_LABELS_DA: Final = (
    "Pålidelig forbedring",
    "Ingen pålidelig ændring",
    "Pålidelig forværring",
    "Flyttet ind i normalområdet",
    "Pålidelig bedring til normalområdet",
)

RCI_CRITICAL: Final = 1.96
ADDED_VALUE_SD: Final = 5.0
"""youthinmind: divide an Added Value score by 5 to get a standardised effect size."""


def _float(x: Any) -> F64:
    a = np.asarray(x, dtype=np.float64)
    return np.where(a < 0, np.nan, a)


RELIABILITY_KINDS_DA: Final = {
    "retest": "test-retest",
    "internal_consistency": "intern konsistens (Cronbachs α)",
    "given": "angivet af brugeren",
    "range": "mellem test-retest og intern konsistens",
}


@dataclass(frozen=True)
class RciParameters:
    """What a norm set documents for an informant's scale: the population SD and mean, the
    default reliability (test-retest, ``reliability_kind``) and internal consistency, each
    with its source (``sources``: the informant's own, else the norm set's).
    ``reliability_source_da`` is the short Danish citation of the default reliability that
    every figure shows next to it. ``mean`` and ``internal_consistency`` are NaN where not
    documented."""

    norm_set: str
    informant: str
    scale: str
    sd: float
    mean: float
    reliability: float
    reliability_kind: str
    internal_consistency: float
    sources: Mapping[str, str]
    reliability_source_da: str = ""

    @property
    def s_diff(self) -> float:
        """Standard error of a difference, ``√2 · SD · √(1 − r)``."""
        return math.sqrt(2.0) * self.sd * math.sqrt(1.0 - self.reliability)

    @property
    def critical_change(self) -> float:
        """The smallest change (in points) that counts as reliable: ``1.96 · S_diff``."""
        return RCI_CRITICAL * self.s_diff

    def with_reliability(self, reliability: float, kind: str = "given") -> RciParameters:
        check_rci(self.sd, reliability)
        # Another reliability is not the one the citation is about.
        return replace(
            self, reliability=float(reliability), reliability_kind=kind, reliability_source_da=""
        )

    def with_population(
        self, *, mean: float | None = None, sd: float | None = None
    ) -> RciParameters:
        out = self
        if mean is not None:
            if not math.isfinite(mean):
                raise SDQError(f"ugyldigt populationsgennemsnit {mean} / invalid population mean")
            out = replace(out, mean=float(mean))
        if sd is not None:
            check_rci(sd, out.reliability)
            out = replace(out, sd=float(sd))
        return out

    def label_da(self) -> str:
        """The parameters in Danish, for every figure that uses them."""
        kind = RELIABILITY_KINDS_DA.get(self.reliability_kind, self.reliability_kind)
        cite = f"; kilde til r: {self.reliability_source_da}" if self.reliability_source_da else ""
        return (
            f"SD {_da(self.sd)} og reliabilitet r = {_da(self.reliability, 2)} ({kind}), "
            f"normsæt {self.norm_set}{cite}"
        )


def _da(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}".replace(".", ",")


def check_rci(sd: float, reliability: float) -> None:
    if not (math.isfinite(sd) and sd > 0 and 0 <= reliability < 1):
        raise SDQError(
            f"ugyldige RCI-parametre sd={sd}, r={reliability} (SD > 0 og 0 ≤ r < 1) / "
            "invalid RCI parameters"
        )


def rci_details(
    informant: str, scale: str = "total", norm_set: str | Path | NormSet = "uk-3band"
) -> RciParameters:
    """The :class:`RciParameters` a norm set documents for an informant's scale."""
    ns = load_norm_set(norm_set)
    try:
        p = ns.rci[informant][scale]
        sd, r = float(p["sd"]), float(p["reliability"])
    except KeyError:
        raise SDQError(
            f"normsættet {ns.ref} angiver ikke SD og reliabilitet for {informant}.{scale}; "
            f"giv sd= og reliability= / norm set gives no SD and reliability for it"
        ) from None
    return RciParameters(
        norm_set=ns.ref,
        informant=informant,
        scale=scale,
        sd=sd,
        mean=float(p.get("mean", math.nan)),
        reliability=r,
        reliability_kind=str(p.get("reliability_kind", "internal_consistency")),
        internal_consistency=float(p.get("internal_consistency", math.nan)),
        sources={
            key: ns.rci_number_source(informant, scale, key) for key in RCI_NUMBERS if key in p
        }
        | {k: v for k, v in (ns.rci_sources or {}).items() if k not in RCI_NUMBERS},
        reliability_source_da=str(p.get("reliability_source_da", "")),
    )


def rci_parameters(
    informant: str, scale: str = "total", norm_set: str | Path | NormSet = "uk-3band"
) -> tuple[float, float]:
    """The (SD, default reliability) a norm set documents for an informant's scale. The
    default reliability is test-retest where the norm set gives it (see :func:`rci_details`)."""
    p = rci_details(informant, scale, norm_set)
    return p.sd, p.reliability


def reliable_change(
    before: Any,
    after: Any,
    *,
    informant: str,
    scale: str = "total",
    norm_set: str | Path | NormSet = "uk-3band",
    sd: float | None = None,
    reliability: float | None = None,
) -> F64:
    """Jacobson & Truax (1991) reliable change index, ``(after − before) / S_diff``.

    ``S_diff = √2 · SD · √(1 − r)``. Scores of ``-1`` (or NaN) give NaN. Positive = the score
    went up (worse for problem scales, better for prosocial).
    """
    if sd is None or reliability is None:
        d_sd, d_r = rci_parameters(informant, scale, norm_set)
        sd = d_sd if sd is None else sd
        reliability = d_r if reliability is None else reliability
    check_rci(sd, reliability)
    return rci_of_change(score_change(before, after), sd=sd, reliability=reliability)


def score_change(before: Any, after: Any) -> F64:
    """``after − before`` as :func:`reliable_change` takes it (a score of ``-1`` or NaN gives
    NaN): the change its index divides, the same at every SD and reliability."""
    return _float(after) - _float(before)


def rci_of_change(change: F64, *, sd: float, reliability: float) -> F64:
    """:func:`reliable_change` of the change :func:`score_change` gives: the same index to the
    last bit, without working the change out again for each reliability."""
    check_rci(sd, reliability)
    s_diff = math.sqrt(2.0) * sd * math.sqrt(1.0 - reliability)
    return change / s_diff


def change_category(
    before: Any,
    after: Any,
    *,
    informant: str,
    scale: str = "total",
    norm_set: str | Path | NormSet = "uk-3band",
    form: str | None = None,
    sd: float | None = None,
    reliability: float | None = None,
    sex: Any = None,
    age: Any = None,
    critical: float = RCI_CRITICAL,
) -> npt.NDArray[np.int8]:
    """Category per child: an index into :data:`CHANGE_CATEGORIES`, ``-1`` if a score is missing.

    Reliable deterioration: |RCI| > 1.96 the wrong way. Reliable recovery: reliable improvement
    *and* from outside to inside the normal range of ``norm_set``. Reliable improvement: reliable
    improvement that does not end in (or did not start outside) the normal range. Moved into the
    normal range: from outside to inside without a reliable change. Otherwise no reliable change.
    """
    ns = load_norm_set(norm_set)
    better_up = load_instrument(form).higher_is_better(scale) if form else scale == "prosocial"
    rci = reliable_change(
        before, after, informant=informant, scale=scale, norm_set=ns, sd=sd, reliability=reliability
    )
    b0 = band(np.asarray(before), ns, informant=informant, scale=scale, sex=sex, age=age)
    b1 = band(np.asarray(after), ns, informant=informant, scale=scale, sex=sex, age=age)
    normal0 = np.isin(b0, ns.normal_bands)
    normal1 = np.isin(b1, ns.normal_bands)
    improved = rci > critical if better_up else rci < -critical
    worse = rci < -critical if better_up else rci > critical
    into_normal = ~normal0 & normal1
    out = np.full(rci.shape, CHANGE_CATEGORIES.index("no_reliable_change"), dtype=np.int8)
    out[improved] = CHANGE_CATEGORIES.index("reliable_improvement")
    out[into_normal & ~improved & ~worse] = CHANGE_CATEGORIES.index("moved_into_normal_range")
    out[improved & into_normal] = CHANGE_CATEGORIES.index("reliable_recovery")
    out[worse] = CHANGE_CATEGORIES.index("reliable_deterioration")
    out[np.isnan(rci) | (b0 < 0) | (b1 < 0)] = MISSING
    return out


def added_value(
    before: ScoreResult | Mapping[str, Any], after: ScoreResult | Mapping[str, Any]
) -> F64:
    """youthinmind's SDQ Added Value score, parent forms only (Ford et al. 2009).

    ``2.3 + 0.8·T1 total + 0.2·T1 impact − 0.3·T1 emotional − T2 total``, in SDQ points;
    positive = more improvement than predicted. Meant for averages over many children (the 95 %
    interval for one child is about ±10 points) from a clinical, high-risk group followed up after
    about six months; divide by :data:`ADDED_VALUE_SD` for an effect size. NaN where a score is
    missing.
    """
    for res in (before, after):
        if isinstance(res, ScoreResult) and res.informant != "parent":
            raise SDQError(
                f"Added Value findes kun for forældreskemaer, ikke {res.form} / parent forms only"
            )
    try:
        t1_total = _float(before["total"])
        t1_impact = _float(before["impact"])
        t1_emotional = _float(before["emotional"])
        t2_total = _float(after["total"])
    except KeyError as exc:
        raise SDQError(f"Added Value mangler scoren {exc} / missing score {exc}") from None
    return 2.3 + 0.8 * t1_total + 0.2 * t1_impact - 0.3 * t1_emotional - t2_total
