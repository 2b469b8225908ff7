"""``{% measurement_panel case actor deliveries may_work %}``: the SDQ before/after panel on
the case page, computed here from the deliveries and the right to work on the case that the
page has read. Two queries, whatever the number of deliveries. The case page itself writes
the access log. A delivery's results are drawn in Python (``sdq_results``, ``sdq_rows``;
the delivery's own page uses them too), held by tests to the templates they replaced."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import date, floatformat, truncatechars
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not stubbed
from django.utils.translation import gettext, ngettext

from spor.measurement import results, selectors
from spor.measurement.questionnaire import form_label

register = template.Library()


@register.filter(name="form_label")
def form_label_filter(form: str) -> str:
    """``{{ r.form|form_label }}``: "Forældreskema, 4–17 år", not "parent-4-17"."""
    return form_label(form)


# The panel's markup is written with f-strings, each value escaped by hand: ``format_html``
# per cell cost more than the rest of its drawing.


def _number(value: Any) -> str:
    """``localize(value)``, as the template wrote a score or a change. A whole number below
    1,000 has no separator to insert in any language, so it is written directly: the
    formats looked up per call cost more than the rest of a table row."""
    if type(value) is int and -1000 < value < 1000:
        return str(value)
    return str(localize(value))


def _score(cell: results.Cell | None, missing: str) -> str:
    if cell is None:
        return missing
    if cell.value is None:
        return "–"
    band = (
        f' <span class="band band-{conditional_escape(cell.band)}">'
        f"{conditional_escape(cell.band_label)}</span>"
        if cell.band_label
        else ""
    )
    return f"<strong>{conditional_escape(_number(cell.value))}</strong>{band}"


TOTAL = ' class="total"'


@register.simple_tag
def sdq_rows(rows: list[results.Row]) -> SafeString:
    """The rows of an informant's before/after table (scale, before, after, change), drawn
    in Python: the template loop they replace was most of the SDQ panel's drawing on the case
    page. ``tests/measurement/test_sdq_rows.py`` holds them to that loop."""
    missing = f'<span class="muted">{gettext("mangler")}</span>'
    out = []
    for i, row in enumerate(rows):
        change = row.change
        shown = "–" if change is None else ("+" if change > 0 else "") + _number(change)
        out.append(
            f"<tr{TOTAL if i == 0 else ''}>\n"
            f'    <th scope="row">{conditional_escape(row.label)}</th>\n'
            f"    <td>{_score(row.before, missing)}</td>\n"
            f"    <td>{_score(row.after, missing)}</td>\n"
            f'    <td class="num">{conditional_escape(shown)}</td>\n  </tr>'
        )
    return mark_safe("".join(out))


def _answered(response: Any) -> str:
    """`` <small>(12.03.2026, papir)</small>`` after "Før"/"Efter" when there is an answer."""
    if not response:
        return ""
    paper = ", " + gettext("papir") if response.on_paper else ""
    when = conditional_escape(date(template_localtime(response.answered_at), "d.m.Y"))
    return f" <small>({when}{paper})</small>"


def _change(r: results.InformantResult) -> str:
    """The sentence under an informant's table: the reliable change, or why there is none."""
    if r.category_label:
        rci = ""
        if r.rci is not None:
            rci = (
                f" (RCI {floatformat(r.rci, 2)} med {conditional_escape(r.rci_parameters)}; "
                f"{gettext('pålidelig ved |RCI| > 1,96')})"
            )
        return (
            f"<strong>{gettext('Pålidelig ændring (samlet vanskelighedsscore)')}:</strong> "
            f'<span class="category category-{conditional_escape(r.category)}">'
            f"{conditional_escape(r.category_label)}</span>{rci}, "
            f"{gettext('normsæt')} {conditional_escape(r.norm_ref)}."
        )
    if r.note:
        return str(conditional_escape(r.note))
    if not r.after:
        return gettext("Eftermåling mangler.")
    if not r.before:
        return gettext("Førmåling mangler.")
    return ""


def _chart(chart: results.Chart, pk: Any, norm_titles: list[str]) -> str:
    """The dumbbell chart's SVG. Its numbers are written as Python writes them (the template
    drew them under ``{% localize off %}``): "190.0", never the Danish "190,0"."""
    out = [
        f'<figure class="sdq-chart">\n<svg viewBox="0 0 {chart.width} {chart.height}" '
        f'role="img" aria-labelledby="sdq-chart-t-{pk} sdq-chart-d-{pk}" '
        'preserveAspectRatio="xMinYMin meet">\n'
        f'  <title id="sdq-chart-t-{pk}">'
        f"{gettext('Samlet vanskelighedsscore før og efter')}</title>\n"
        f'  <desc id="sdq-chart-d-{pk}">{conditional_escape(chart.description)}</desc>\n  '
    ]
    out.extend(
        f'<line x1="{x}" y1="18" x2="{x}" y2="{chart.height}" class="grid"/>'
        f'<text x="{x}" y="13" text-anchor="middle" class="tick">{t}</text>'
        for x, t in chart.ticks
    )
    out.append("\n  ")
    out.extend(
        f'<rect x="{chart.left}" y="{y}" width="{w}" height="22" class="normal"/>'
        for y, w in chart.bands
    )
    out.append("\n  ")
    before, after = gettext("Før"), gettext("Efter")
    for row in chart.rows:
        out.append(
            f'<g>\n    <text x="{chart.label_x}" y="{row.y}" dy="4" text-anchor="end" '
            f'class="label">{conditional_escape(truncatechars(row.label, 26))}</text>\n    '
        )
        if row.x_before is not None and row.x_after is not None:
            out.append(
                f'<line x1="{row.x_before}" y1="{row.y}" x2="{row.x_after}" y2="{row.y}" '
                'class="link"/>'
            )
        out.append("\n    ")
        if row.x_before is not None:
            out.append(
                f'<circle cx="{row.x_before}" cy="{row.y}" r="7" class="before">'
                f"<title>{before}: {row.before}</title></circle>"
            )
        out.append("\n    ")
        if row.x_after is not None:
            out.append(
                f'<circle cx="{row.x_after}" cy="{row.y}" r="7" class="after">'
                f"<title>{after}: {row.after}</title></circle>"
            )
        out.append("\n  </g>")
    titles = "; ".join(conditional_escape(t) for t in norm_titles)
    out.append(
        "\n</svg>\n<figcaption>"
        + gettext(
            "Samlet vanskelighedsscore 0–40 (lavere er bedre). Åben cirkel = før, fyldt cirkel"
            " = efter. Det lyse felt er normalområdet efter normsættet:"
        )
        + f" {titles}. {gettext('Tallene står også i tabellen ovenfor.')}</figcaption>\n"
        "</figure>"
    )
    return "".join(out)


@register.simple_tag
def sdq_results(res: results.DeliveryResults) -> SafeString:
    """A delivery's results (a table and the change per informant, the chart), drawn in
    Python: in the template language they were half the SDQ panel's cost on the case page.
    ``tests/measurement/test_sdq_results.py`` holds this to the template it replaced."""
    pk = res.delivery.pk
    norm = gettext("normsæt")
    out = [f'<div class="sdq-results" id="resultater-{conditional_escape(localize(pk))}">\n']
    for r in res.informants:
        label, title = conditional_escape(r.label), conditional_escape(r.norm_title)
        out.append(
            f'<div class="table-scroll" role="region" aria-label="{label} · {norm}: {title}" '
            f'tabindex="0">\n<table class="sdq-table">\n'
            f'  <caption>{label} <span class="norm">· {norm}: {title}</span></caption>\n'
            f'  <thead><tr><th scope="col">{gettext("Skala")}</th>'
            f'<th scope="col">{gettext("Før")}{_answered(r.before)}</th>'
            f'<th scope="col">{gettext("Efter")}{_answered(r.after)}</th>'
            f'<th scope="col" class="num">{gettext("Ændring")}</th></tr></thead>\n'
            f"  <tbody>{sdq_rows(r.rows)}</tbody>\n</table>\n</div>\n"
            f'<p class="sdq-change">{_change(r)}</p>\n'
        )
    out.append("\n")
    if res.chart:
        out.append(_chart(res.chart, pk, res.norm_titles))
    out.append(
        '\n<p class="honest">'
        + gettext(
            "Ukontrolleret før/efter-måling for ét barn, ofte vurderet af en, der også hjælper"
            " barnet. Børn vælges, fordi de har det svært, så en del bedring kan skyldes"
            " regression mod middelværdien."
        )
        + "</p>\n</div>\n"
    )
    return mark_safe("".join(out))


def sdq_panel(deliveries: list[results.DeliveryResults], may_work: bool) -> SafeString:
    """The panel's frame around each delivery's results, drawn in Python as the results are
    (it was ``measurement/_panel.html``; ``tests/measurement/test_sdq_results.py`` holds it to
    that template)."""
    out = [
        '<section id="sdq-maaling" class="sdq-panel" aria-labelledby="sdq-maaling-h">\n'
        f'<h3 id="sdq-maaling-h">{gettext("SDQ før og efter")}</h3>\n'
    ]
    for dr in deliveries:
        d = dr.delivery
        name = conditional_escape(d.intervention.name)
        start = conditional_escape(date(template_localtime(d.start), "d.m.Y"))
        end = conditional_escape(date(template_localtime(d.end), "d.m.Y")) if d.end else ""
        out.append(
            f'<article class="sdq-delivery">\n'
            f"  <h4>{name} <small>({start} – {end})</small></h4>\n  "
        )
        if dr.informants:
            out.append(sdq_results(dr))
        else:
            sent = ""
            if dr.requests:
                n = len(dr.requests)
                sent = " " + ngettext("%(n)s link sendt.", "%(n)s links sendt.", n) % {
                    "n": conditional_escape(localize(n))
                }
            out.append(f'<p class="muted">{gettext("Ingen besvarelser endnu.")}{sent}</p>')
        out.append("\n  ")
        if may_work:
            url = reverse("measurement:delivery", kwargs={"delivery_id": d.pk})
            out.append(
                f'<p><a href="{conditional_escape(url)}">'
                f"{gettext('SDQ-måling: send før-/eftermåling, se links, indtast papirskema')}"
                f'<span class="visually-hidden"> – {name}</span></a></p>'
            )
        out.append("\n</article>")
    if not deliveries:
        out.append(
            '<p class="muted">'
            + gettext("SDQ før og efter måles på en iværksat indsats. Iværksæt en indsats først.")
            + "</p>"
        )
    out.append("\n</section>\n")
    return mark_safe("".join(out))


@register.simple_tag
def measurement_panel(case: Any, actor: Any, deliveries: Any, may_work: bool) -> SafeString:
    """``deliveries`` and ``may_work``: what the case page has read (the case's deliveries,
    whether the actor may work on the case), not read again here."""
    if case is None or actor is None or case.child_id is None:
        return mark_safe("\n")  # what the template drew for a case about no child
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
    return sdq_panel(per_delivery, may_work)
