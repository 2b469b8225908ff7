"""Suggestions from need: which catalogue interventions fit what a child is struggling with.

Pure Python (no Django): the case's selectors read the concern, the screening and the SDQ
and hand them here as plain values; this module turns them into a *need profile* and ranks
the interventions that already passed the hard filters (target, age, level) by how well
their declared needs (``Intervention.needs``) meet the child's.

The need areas are Spor's own small vocabulary, shared by the three sources:

* a concern's category (``trivsel``, ``adfaerd``, ``sociale_relationer`` …);
* the screening's position (green / yellow / red) and its focus points (``ked_af_det``,
  ``alene``, ``konflikter`` …);
* the SDQ subscales outside the normal range (emotional, conduct, hyperactivity, peer,
  prosocial) at the child's latest baseline.

A lonely, sad child (emotional and peer problems) therefore gets interventions about
feelings and friendships first and a behaviour programme only after them; a child with
conduct problems gets the behaviour programme first. Need decides first, then the level's
distance from the case's, then PPR's own items, then the name — always the same order for
the same input.

>>> p = profile(concern_categories=["trivsel"],
...             sdq_bands={"emotional": "abnormal", "peer": "abnormal", "conduct": "normal"})
>>> [n for n, _ in p.ranked_needs()]
['emotional', 'peer']
>>> ranked = rank([Candidate(1, "Forældrevejledning ved udadreagerende adfærd", ["conduct"]),
...                Candidate(2, "Samtaleforløb", ["emotional"])], p)
>>> [r.candidate.name for r in ranked]
['Samtaleforløb', 'Forældrevejledning ved udadreagerende adfærd']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "NEEDS",
    "Candidate",
    "NeedProfile",
    "Ranked",
    "profile",
    "rank",
    "sdq_needs",
]

NEEDS: dict[str, str] = {
    "emotional": "Følelser, angst og tristhed",
    "peer": "Venskaber og fællesskab",
    "conduct": "Adfærd og konflikter",
    "attention": "Opmærksomhed og uro",
    "language": "Sprog og kommunikation",
    "motor": "Motorik og sansning",
    "learning": "Læring",
    "absence": "Fravær",
    "family": "Familie og hjem",
    "transition": "Overgange",
}
"""Spor's need areas (key → Danish label), in the order they are shown."""

# A concern's category (spor.concerns.models.Category values) → need areas.
CONCERN_NEEDS: dict[str, tuple[str, ...]] = {
    "trivsel": ("emotional",),
    "adfaerd": ("conduct",),
    "sprog": ("language",),
    "motorik": ("motor",),
    "laering": ("learning",),
    "sociale_relationer": ("peer",),
    "fravaer": ("absence",),
    "familieforhold": ("family",),
}

# A screening focus point (spor/screening/areas.json) → need areas.
FOCUS_NEEDS: dict[str, tuple[str, ...]] = {
    "ked_af_det": ("emotional",),
    "traekker_sig": ("peer", "emotional"),
    "uro": ("conduct", "attention"),
    "fravaer": ("absence",),
    "utryg": ("emotional",),
    "sprog": ("language",),
    "motorik": ("motor",),
    "sanser": ("motor",),
    "selvhjulpen": ("motor",),
    "koncentration": ("attention",),
    "deltager_ikke": ("learning",),
    "bagud": ("learning",),
    "overblik": ("attention",),
    "alene": ("peer",),
    "konflikter": ("conduct",),
    "drilleri": ("peer",),
    "voksenkontakt": ("peer",),
}

# An SDQ subscale → need areas. Prosocial outside the normal range means *few* prosocial
# strengths: a need in the child community.
SDQ_NEEDS: dict[str, tuple[str, ...]] = {
    "emotional": ("emotional",),
    "peer": ("peer",),
    "conduct": ("conduct",),
    "hyperactivity": ("attention",),
    "prosocial": ("peer",),
}
SDQ_LABELS_DA: dict[str, str] = {
    "emotional": "følelsesmæssige symptomer",
    "peer": "problemer med jævnaldrende",
    "conduct": "adfærdsproblemer",
    "hyperactivity": "hyperaktivitet og opmærksomhed",
    "prosocial": "få prosociale styrker",
}
# Bands of every norm set Spor ships (spor/sdq/data/norms): how far from the normal range.
BAND_WEIGHT: dict[str, int] = {
    "borderline": 1,
    "slightly_raised": 1,
    "abnormal": 3,
    "high": 2,
    "very_high": 3,
}
CONCERN_WEIGHT = 2
FOCUS_WEIGHT = 1
# The level a screening position points at (spor.cases.models.Level values).
POSITION_LEVEL = {"groen": "forebyggende", "gul": "foregribende", "roed": "indgribende"}
POSITION_LABELS_DA = {"groen": "grøn", "gul": "gul", "roed": "rød"}


def sdq_needs(bands: Mapping[str, str | None]) -> dict[str, int]:
    """Need areas (with weights) from SDQ subscale bands (``{"emotional": "abnormal", …}``);
    normal bands and missing subscales give nothing."""
    out: dict[str, int] = {}
    for scale, needs in SDQ_NEEDS.items():
        weight = BAND_WEIGHT.get(bands.get(scale) or "", 0)
        for need in needs:
            if weight:
                out[need] = max(out.get(need, 0), weight)
    return out


@dataclass
class NeedProfile:
    """What the child needs, by area, with the reasons in Danish (one list per area)."""

    weights: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, list[str]] = field(default_factory=dict)
    position: str = ""

    def add(self, need: str, weight: int, reason: str) -> None:
        if need not in NEEDS or weight <= 0:
            return
        self.weights[need] = self.weights.get(need, 0) + weight
        why = self.reasons.setdefault(need, [])
        if reason not in why:
            why.append(reason)

    @property
    def known(self) -> bool:
        return bool(self.weights)

    def ranked_needs(self) -> list[tuple[str, int]]:
        """The need areas, strongest first (ties in :data:`NEEDS` order)."""
        order = list(NEEDS)
        return sorted(self.weights.items(), key=lambda kv: (-kv[1], order.index(kv[0])))

    def summary_da(self) -> list[str]:
        """One line per need area: "Følelser, angst og tristhed (SDQ: …; bekymring: …)"."""
        return [
            f"{NEEDS[need]} ({'; '.join(self.reasons.get(need, []))})"
            for need, _ in self.ranked_needs()
        ]


def profile(
    *,
    concern_categories: Iterable[str] = (),
    screening_position: str = "",
    screening_focus: Iterable[str] = (),
    sdq_bands: Mapping[str, str | None] | None = None,
) -> NeedProfile:
    """The child's need profile from the three sources; unknown keys are ignored."""
    p = NeedProfile(position=screening_position if screening_position in POSITION_LEVEL else "")
    for category in concern_categories:
        for need in CONCERN_NEEDS.get(category, ()):
            p.add(need, CONCERN_WEIGHT, "bekymring")
    for point in screening_focus:
        for need in FOCUS_NEEDS.get(point, ()):
            p.add(need, FOCUS_WEIGHT, "trivselsvurdering")
    bands = sdq_bands or {}
    for scale, needs in SDQ_NEEDS.items():
        weight = BAND_WEIGHT.get(bands.get(scale) or "", 0)
        for need in needs:
            p.add(need, weight, f"SDQ: {SDQ_LABELS_DA[scale]}")
    return p


@dataclass(frozen=True)
class Candidate:
    """An intervention that passed the hard filters (target, age, level)."""

    id: int
    name: str
    needs: Sequence[str]
    level: str = ""
    level_distance: int = 0
    is_ppr: bool = True
    already_given: bool = False


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: int
    met: tuple[str, ...]
    """The child's need areas the intervention addresses, strongest first."""
    position_fits: bool

    @property
    def met_labels(self) -> list[str]:
        return [NEEDS[n] for n in self.met]

    def reason_da(self) -> str:
        """Why it is where it is, in Danish (empty when nothing is known about the need)."""
        if self.met:
            return "Passer til barnets behov: " + ", ".join(self.met_labels).lower()
        if not self.candidate.needs:
            return "Indsatsen har ingen angivne behovsområder"
        return (
            "Rammer ikke barnets kendte behov ("
            + ", ".join(NEEDS[n].lower() for n in self.candidate.needs if n in NEEDS)
            + ")"
        )


def rank(candidates: Iterable[Candidate], need: NeedProfile) -> list[Ranked]:
    """The candidates in the order to suggest them: not yet given before given; then the
    sum of the child's need weights the intervention addresses (highest first); then, when
    the screening's position points at a level, the interventions of that level; then the
    level's distance from the case's; PPR's own items before others; then by name."""
    order = [n for n, _ in need.ranked_needs()]
    wanted_level = POSITION_LEVEL.get(need.position, "")
    out: list[tuple[tuple[bool, int, bool, int, bool, str], Ranked]] = []
    for c in candidates:
        met = tuple(n for n in order if n in set(c.needs))
        score = sum(need.weights[n] for n in met)
        fits = bool(wanted_level) and c.level == wanted_level
        key = (c.already_given, -score, not fits, c.level_distance, not c.is_ppr, c.name)
        out.append((key, Ranked(c, score, met, fits)))
    out.sort(key=lambda pair: pair[0])
    return [r for _, r in out]


# --------------------------------------------------------------------------- local outcomes

LOCAL_CAVEAT_DA = (
    "Lignende børn er børn i kommunen, hvis SDQ ved start viste mindst ét af de samme "
    "behov. Tallene er målinger før og efter uden en kontrolgruppe, ofte udfyldt af en, der "
    "selv hjælper barnet. Børnene fik indsatsen, fordi de havde det svært, og mange får det "
    "bedre alligevel. Tallene viser, hvordan det gik børnene, ikke hvad indsatsen gjorde."
)


@dataclass(frozen=True)
class PastPair:
    """Earlier deliveries (``n`` of them) of one intervention with a before and an after
    measurement, the same baseline needs and the same outcome (no child in it)."""

    intervention_id: int
    baseline_needs: frozenset[str]
    improved: bool
    """A reliable improvement of the total difficulties score."""
    n: int = 1
    """How many such deliveries (the database counts them; docs/scaling.md)."""


@dataclass(frozen=True)
class LocalOutcome:
    """What worked for similar children, for one intervention: the counts as the disclosure
    engine lets them be shown (``None`` = hidden, shown as the neutral mark)."""

    intervention_id: int
    n: int | None
    improved: int | None

    @property
    def shown(self) -> bool:
        return self.n is not None and self.improved is not None

    @property
    def percent(self) -> int | None:
        if not self.shown or not self.n:
            return None
        assert self.improved is not None
        return round(100 * self.improved / self.n)


def similar(pairs: Iterable[PastPair], need: NeedProfile) -> list[PastPair]:
    """The pairs whose baseline shared at least one of the child's need areas."""
    wanted = set(need.weights)
    return [p for p in pairs if wanted & p.baseline_needs]


def local_outcomes(
    pairs: Iterable[PastPair], need: NeedProfile, *, threshold: int = 5
) -> dict[int, LocalOutcome]:
    """Per intervention, of the similar children: how many had a before/after pair and how
    many of them improved reliably. Published through :func:`spor.evaluation.disclosure.
    suppress` as one table (interventions × improved / not improved, with totals), so a cell
    of 1–4 children is hidden, and so is whatever would let it be worked out."""
    from spor.evaluation import disclosure

    counts: dict[int, list[int]] = {}
    for p in similar(pairs, need):
        row = counts.setdefault(p.intervention_id, [0, 0])
        row[0 if p.improved else 1] += p.n
    if not counts:
        return {}
    ids = sorted(counts)
    table = [counts[i] for i in ids]
    published = disclosure.suppress(table, threshold=threshold)
    values: Any = published.values
    out = {}
    for index, pk in enumerate(ids):
        improved, _, n = values[index]
        out[pk] = LocalOutcome(pk, n, improved)
    return out
