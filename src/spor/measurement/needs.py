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

from spor.accounts.access import Actor
from spor.cases import matching
from spor.cases.models import Case
from spor.measurement.models import Informant, OutcomeCount, Phase, Response

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


def past_pairs(actor: Actor, intervention_ids: set[int]) -> list[matching.PastPair]:
    """The municipality's child deliveries of these interventions with a baseline and a
    follow-up of the default informant, counted: the baseline's need areas and whether the
    total improved reliably (the baseline's norm set and informant). Read from the counts
    the database keeps on every write (:mod:`spor.measurement.outcomes`): at most 64 rows
    per intervention, whatever the municipality's size."""
    if not intervention_ids:
        return []
    rows = (
        OutcomeCount.objects.filter(
            municipality_id=actor.municipality_id,
            intervention_id__in=intervention_ids,
            n__gt=0,
        )
        .order_by()
        .values_list("intervention_id", "improved", "n", *SUBSCALES)
    )
    out = []
    for intervention_id, improved, n, *raised in rows:
        needs = frozenset(
            need
            for scale, flag in zip(SUBSCALES, raised, strict=True)
            if flag
            for need in matching.SDQ_NEEDS[scale]
        )
        out.append(matching.PastPair(intervention_id, needs, bool(improved), n))
    return out
