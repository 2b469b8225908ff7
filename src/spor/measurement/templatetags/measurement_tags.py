"""``{% measurement_panel case actor deliveries may_work %}``: the SDQ before/after panel on
the case page, computed here from the deliveries and the right to work on the case that the
page has read. Two queries, whatever the number of deliveries. The case page itself writes
the access log."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from spor.measurement import results, selectors
from spor.measurement.questionnaire import form_label

register = template.Library()


@register.filter(name="form_label")
def form_label_filter(form: str) -> str:
    """``{{ r.form|form_label }}``: "Forældreskema, 4–17 år", not "parent-4-17"."""
    return form_label(form)


def _score(cell: results.Cell | None, missing: str) -> str:
    if cell is None:
        return missing
    if cell.value is None:
        return "–"
    band = (
        format_html(' <span class="band band-{}">{}</span>', cell.band, cell.band_label)
        if cell.band_label
        else ""
    )
    return format_html("<strong>{}</strong>{}", localize(cell.value), band)


@register.simple_tag
def sdq_rows(rows: list[results.Row]) -> SafeString:
    """The rows of an informant's before/after table (scale, before, after, change), drawn
    in Python: the template loop they replace was most of the SDQ panel's drawing on the case
    page. ``tests/measurement/test_sdq_rows.py`` holds them to that loop."""
    missing = format_html('<span class="muted">{}</span>', gettext("mangler"))
    out = []
    for i, row in enumerate(rows):
        change = row.change
        shown = "–" if change is None else ("+" if change > 0 else "") + localize(change)
        out.append(
            format_html(
                '<tr{}>\n    <th scope="row">{}</th>\n    <td>{}</td>\n    <td>{}</td>\n'
                '    <td class="num">{}</td>\n  </tr>',
                mark_safe(' class="total"') if i == 0 else "",
                row.label,
                mark_safe(_score(row.before, missing)),
                mark_safe(_score(row.after, missing)),
                shown,
            )
        )
    return mark_safe("".join(out))


@register.inclusion_tag("measurement/_panel.html")
def measurement_panel(case: Any, actor: Any, deliveries: Any, may_work: bool) -> dict[str, Any]:
    """``deliveries`` and ``may_work``: what the case page has read (the case's deliveries,
    whether the actor may work on the case), not read again here."""
    if case is None or actor is None or case.child_id is None:
        return {"show": False}
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
        "may_work": may_work,
    }
