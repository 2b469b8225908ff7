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

from spor import sdq
from spor.accounts.access import Actor
from spor.cases import matching
from spor.cases.models import Case
from spor.measurement import questionnaire
from spor.measurement.models import Informant, Phase, Response

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
    follow-up of the default informant (two queries): the baseline's need areas and whether
    the total improved reliably (the baseline's norm set and informant)."""
    if not intervention_ids:
        return []
    base = Response.objects.filter(
        municipality_id=actor.municipality_id,
        informant=OUTCOME_INFORMANT,
        delivery__case__child__isnull=False,
        delivery__intervention_id__in=intervention_ids,
    )
    after = {
        d: scores
        for d, scores in base.filter(phase=Phase.AFTER)
        .order_by("delivery_id", "pk")
        .values_list("delivery_id", "scores")
    }
    out = []
    critical: dict[tuple[str, str], float | None] = {}
    for delivery_id, intervention_id, form, norm_set, scores in (
        base.filter(phase=Phase.BEFORE)
        .order_by("delivery_id", "pk")
        .values_list("delivery_id", "delivery__intervention_id", "form", "norm_set", "scores")
    ):
        post = after.get(delivery_id)
        if post is None or not scores:
            continue
        before_total, after_total = scores.get("total"), post.get("total")
        if before_total is None or after_total is None:
            continue
        key = (form, norm_set)
        if key not in critical:
            critical[key] = _critical(form, norm_set)
        limit = critical[key]
        if limit is None or not math.isfinite(limit):
            continue
        needs = frozenset(matching.sdq_needs(_bands(scores)))
        improved = float(before_total) - float(after_total) > limit
        out.append(matching.PastPair(intervention_id, needs, improved))
    return out
