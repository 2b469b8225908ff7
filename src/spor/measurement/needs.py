"""The SDQ side of the suggestions from need: measurement's reads, given by the caller (the
case's views, above both) to :func:`spor.cases.selectors.suggest_interventions`, so that
``cases`` never reads a later stage of the loop.

What is read, and why it may be:

* the SDQ baseline responses of the case's own deliveries (the team sees them on the case);
* for the local outcomes: counts over the municipality's earlier deliveries with a before
  and an after response of the evaluation's default informant — never a child, published
  through the disclosure engine by :func:`spor.cases.matching.local_outcomes`.
"""

from __future__ import annotations

import math

from django.db.models import Count, F, FilteredRelation, Q

from spor import sdq
from spor.accounts.access import Actor
from spor.cases import matching
from spor.cases.models import Case
from spor.measurement import questionnaire
from spor.measurement.models import Informant, Phase, Response, ScoreKey

# The evaluation page's default informant (spor.evaluation.web.forms.DEFAULT_INFORMANT):
# the same pairs as the evaluation counts.
OUTCOME_INFORMANT = Informant.PROFESSIONAL
SUBSCALES = tuple(matching.SDQ_NEEDS)


def _bands(scores: dict[str, object]) -> dict[str, str | None]:
    return {s: str(scores.get(f"{s}_band") or "") or None for s in SUBSCALES}


def baseline_bands(actor: Actor, case: Case) -> dict[str, str | None]:
    """The strongest band per subscale over the case's baseline responses (any informant)."""
    bands: dict[str, str | None] = {}
    for scores in Response.objects.filter(
        municipality_id=actor.municipality_id, delivery__case=case, phase=Phase.BEFORE
    ).values_list("scores", flat=True):
        for scale, band in _bands(scores or {}).items():
            old = bands.get(scale) or ""
            if matching.BAND_WEIGHT.get(band or "", 0) > matching.BAND_WEIGHT.get(old, 0):
                bands[scale] = band
    return bands


def _critical(form: str, norm_set: str) -> float | None:
    try:
        p = sdq.rci_details(questionnaire.sdq_informant(form), "total", norm_set.split("@", 1)[0])
    except sdq.SDQError:
        return None
    return p.critical_change


def past_pairs(actor: Actor, intervention_ids: set[int]) -> list[matching.PastPair]:
    """The municipality's child deliveries of these interventions with a baseline and a
    follow-up of the default informant (one query, counted in the database): the
    baseline's need areas and whether the total improved reliably (the baseline's norm set
    and informant)."""
    if not intervention_ids:
        return []
    # Counted in the database, grouped by intervention, norm set, baseline bands and change, from
    # plain columns and the few JSON keys wanted: decoding every response's whole ``scores``
    # in Python made the "iværksæt indsats" page grow with the municipality.
    after = "delivery__measurement_responses"
    pairs = (
        Response.objects.filter(
            municipality_id=actor.municipality_id,
            informant=OUTCOME_INFORMANT,
            phase=Phase.BEFORE,
            delivery__case__child__isnull=False,
            delivery__intervention_id__in=intervention_ids,
            score_total__isnull=False,
        )
        .alias(
            after=FilteredRelation(
                after,
                condition=Q(
                    **{
                        f"{after}__municipality_id": actor.municipality_id,
                        f"{after}__phase": Phase.AFTER,
                        f"{after}__informant": OUTCOME_INFORMANT,
                    }
                ),
            ),
        )
        .filter(after__score_total__isnull=False)
    )
    bands = {f"band_{s}": ScoreKey(f"{s}_band", numeric=False) for s in SUBSCALES}
    rows = (
        pairs.annotate(change=F("score_total") - F("after__score_total"), **bands)
        .order_by()
        .values("delivery__intervention_id", "form", "norm_set", "change", *bands)
        .annotate(n=Count("pk"))
        .values_list("delivery__intervention_id", "form", "norm_set", "change", "n", *bands)
    )
    out = []
    critical: dict[tuple[str, str], float | None] = {}
    for intervention_id, form, norm_set, change, n, *baseline in rows:
        key = (form, norm_set)
        if key not in critical:
            critical[key] = _critical(form, norm_set)
        limit = critical[key]
        if limit is None or not math.isfinite(limit):
            continue
        needs = frozenset(
            matching.sdq_needs({s: b or None for s, b in zip(SUBSCALES, baseline, strict=True)})
        )
        out.extend([matching.PastPair(intervention_id, needs, float(change) > limit)] * n)
    return out
