"""``{% measurement_panel case actor %}``: the SDQ before/after panel on the case page,
computed here so that the case app's view needs no change. Three queries, whatever the
number of deliveries. The case page itself writes the access log."""

from __future__ import annotations

from typing import Any

from django import template

from spor.measurement import results, selectors
from spor.measurement.questionnaire import form_label

register = template.Library()


@register.filter(name="form_label")
def form_label_filter(form: str) -> str:
    """``{{ r.form|form_label }}``: "Forældreskema, 4–17 år", not "parent-4-17"."""
    return form_label(form)


@register.inclusion_tag("measurement/_panel.html")
def measurement_panel(case: Any, actor: Any) -> dict[str, Any]:
    if case is None or actor is None or case.child_id is None:
        return {"show": False}
    deliveries = selectors.deliveries_of(actor, case)
    requests_ = list(selectors.requests_of(actor, deliveries))
    responses = list(selectors.responses_of(actor, deliveries))
    per_delivery = [
        results.delivery_results(
            d,
            [r for r in responses if r.delivery_id == d.pk],
            [r for r in requests_ if r.delivery_id == d.pk],
        )
        for d in deliveries
    ]
    return {
        "show": True,
        "case": case,
        "deliveries": per_delivery,
        "may_work": selectors.may_work_on(actor, case),
    }
