"""``{% measurement_panel case actor %}``: the SDQ before/after panel on the case page,
computed here. At most three queries, whatever the number of deliveries, or two when the case
page gives its deliveries. The case page itself writes the access log."""

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
def measurement_panel(
    case: Any, actor: Any, deliveries: Any = None, may_work: bool | None = None
) -> dict[str, Any]:
    """The case page gives the deliveries it has read and whether the actor may work on the
    case, which spares two queries; without them the panel reads them itself."""
    if case is None or actor is None or case.child_id is None:
        return {"show": False}
    if deliveries is None:
        deliveries = selectors.deliveries_of(actor, case)
    deliveries = list(deliveries)
    requests_ = list(selectors.request_stubs_of(actor, deliveries)) if deliveries else []
    responses = list(selectors.responses_of(actor, deliveries)) if deliveries else []
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
        "may_work": selectors.may_work_on(actor, case) if may_work is None else may_work,
    }
