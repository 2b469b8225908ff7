"""A delivery's SDQ results drawn in Python (``measurement_tags.sdq_results``) are the markup
of the template they replaced (``measurement/_results.html``, kept here as ``OLD``), for every
kind of result: one to four informants, before or after missing, paper answers, answers near
midnight (the local date), the reliable change with and without an RCI, every note, no chart,
scores without a value, and names, labels and norm titles that need escaping; with the
thousands separator on as well (the template localised the delivery's id outside the chart
and wrote the chart's numbers unlocalised)."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.test import override_settings

from spor.measurement import results
from spor.measurement.models import Informant, Phase
from spor.measurement.templatetags.measurement_tags import measurement_panel, sdq_panel

OLD = Template(
    '{% load i18n l10n measurement_tags %}<div class="sdq-results" id="resultater-'
    '{{ res.delivery.pk }}">\n'
    "{% for r in res.informants %}"
    '<div class="table-scroll" role="region" aria-label="{{ r.label }} · '
    '{% translate "normsæt" %}: {{ r.norm_title }}" tabindex="0">\n'
    '<table class="sdq-table">\n'
    '  <caption>{{ r.label }} <span class="norm">· {% translate "normsæt" %}: '
    "{{ r.norm_title }}</span></caption>\n"
    '  <thead><tr><th scope="col">{% translate "Skala" %}</th><th scope="col">'
    '{% translate "Før" %}{% if r.before %} <small>('
    '{{ r.before.answered_at|date:"d.m.Y" }}{% if r.before.on_paper %}, '
    '{% translate "papir" %}{% endif %})</small>{% endif %}</th><th scope="col">'
    '{% translate "Efter" %}{% if r.after %} <small>('
    '{{ r.after.answered_at|date:"d.m.Y" }}{% if r.after.on_paper %}, '
    '{% translate "papir" %}{% endif %})</small>{% endif %}</th>'
    '<th scope="col" class="num">{% translate "Ændring" %}</th></tr></thead>\n'
    "  <tbody>{% sdq_rows r.rows %}</tbody>\n"
    "</table>\n"
    "</div>\n"
    '<p class="sdq-change">{% if r.category_label %}<strong>'
    '{% translate "Pålidelig ændring (samlet vanskelighedsscore)" %}:</strong> '
    '<span class="category category-{{ r.category }}">{{ r.category_label }}</span>'
    "{% if r.rci is not None %} (RCI {{ r.rci|floatformat:2 }} med "
    '{{ r.rci_parameters }}; {% translate "pålidelig ved |RCI| > 1,96" %})'
    '{% endif %}, {% translate "normsæt" %} {{ r.norm_ref }}.{% elif r.note %}'
    '{{ r.note }}{% elif not r.after %}{% translate "Eftermåling mangler." %}'
    '{% elif not r.before %}{% translate "Førmåling mangler." %}{% endif %}</p>\n'
    "{% endfor %}\n"
    '{% if res.chart %}<figure class="sdq-chart">{% localize off %}\n'
    '<svg viewBox="0 0 {{ res.chart.width }} '
    '{{ res.chart.height }}" role="img" aria-labelledby="sdq-chart-t-'
    "{{ res.delivery.pk }} sdq-chart-d-"
    '{{ res.delivery.pk }}" preserveAspectRatio="xMinYMin meet">\n'
    '  <title id="sdq-chart-t-{{ res.delivery.pk }}">'
    '{% translate "Samlet vanskelighedsscore før og efter" %}</title>\n'
    '  <desc id="sdq-chart-d-{{ res.delivery.pk }}">{{ res.chart.description }}'
    "</desc>\n"
    '  {% for x, t in res.chart.ticks %}<line x1="{{ x }}" y1="18" x2="'
    '{{ x }}" y2="{{ res.chart.height }}" class="grid"/><text x="'
    '{{ x }}" y="13" text-anchor="middle" class="tick">{{ t }}</text>{% endfor %}\n'
    '  {% for y, w in res.chart.bands %}<rect x="{{ res.chart.left }}" y="'
    '{{ y }}" width="{{ w }}" height="22" class="normal"/>{% endfor %}\n'
    "  {% for row in res.chart.rows %}<g>\n"
    '    <text x="{{ res.chart.label_x }}" y="'
    '{{ row.y }}" dy="4" text-anchor="end" class="label">'
    "{{ row.label|truncatechars:26 }}</text>\n"
    '    {% if row.x_before is not None and row.x_after is not None %}<line x1="'
    '{{ row.x_before }}" y1="{{ row.y }}" x2="{{ row.x_after }}" y2="'
    '{{ row.y }}" class="link"/>{% endif %}\n'
    '    {% if row.x_before is not None %}<circle cx="{{ row.x_before }}" cy="'
    '{{ row.y }}" r="7" class="before"><title>{% translate "Før" %}: '
    "{{ row.before }}</title></circle>{% endif %}\n"
    '    {% if row.x_after is not None %}<circle cx="{{ row.x_after }}" cy="'
    '{{ row.y }}" r="7" class="after"><title>{% translate "Efter" %}: '
    "{{ row.after }}</title></circle>{% endif %}\n"
    "  </g>{% endfor %}\n"
    "</svg>{% endlocalize %}\n"
    "<figcaption>"
    '{% translate "Samlet vanskelighedsscore 0–40 (lavere er bedre). Åben cirkel = fø'
    'r, fyldt cirkel = efter. Det lyse felt er normalområdet efter normsættet:" %} '
    '{{ res.norm_titles|join:"; " }}. '
    '{% translate "Tallene står også i tabellen ovenfor." %}</figcaption>\n'
    "</figure>{% endif %}\n"
    '<p class="honest">'
    '{% translate "Ukontrolleret før/efter-måling for ét barn, ofte vurderet af en, d'
    "er også hjælper barnet. Børn vælges, fordi de har det svært, så en del bedring k"
    'an skyldes regression mod middelværdien." %}</p>\n'
    "</div>\n"
)
NEW = Template("{% load measurement_tags %}{% sdq_results res %}")
# The panel's frame around the results (was measurement/_panel.html).
OLD_PANEL = Template(
    "{% load i18n measurement_tags %}{% if show %}"
    '<section id="sdq-maaling" class="sdq-panel" aria-labelledby="sdq-maaling-h">\n'
    '<h3 id="sdq-maaling-h">{% translate "SDQ før og efter" %}</h3>\n'
    '{% for dr in deliveries %}<article class="sdq-delivery">\n'
    "  <h4>{{ dr.delivery.intervention.name }} <small>("
    '{{ dr.delivery.start|date:"d.m.Y" }} – {% if dr.delivery.end %}'
    '{{ dr.delivery.end|date:"d.m.Y" }}{% endif %})</small></h4>\n'
    '  {% if dr.informants %}{% sdq_results dr %}{% else %}<p class="muted">'
    '{% translate "Ingen besvarelser endnu." %}{% if dr.requests %} '
    "{% blocktranslate count n=dr.requests|length %}{{ n }} link sendt.{% plural %}"
    "{{ n }} links sendt.{% endblocktranslate %}{% endif %}</p>{% endif %}\n"
    '  {% if may_work %}<p><a href="'
    "{% url 'measurement:delivery' delivery_id=dr.delivery.pk %}\">"
    '{% translate "SDQ-måling: send før-/eftermåling, se links, indtast papirskema" %'
    '}<span class="visually-hidden"> – {{ dr.delivery.intervention.name }}</span>'
    "</a></p>{% endif %}\n"
    '</article>{% empty %}<p class="muted">'
    '{% translate "SDQ før og efter måles på en iværksat indsats. Iværksæt en indsats'
    ' først." %}</p>{% endfor %}\n'
    "</section>{% endif %}\n"
)

FORMS = {
    Informant.PARENT: ["parent-4-17", "parent-2-4", "parent-4-17-followup"],
    Informant.TEACHER: ["teacher-4-17", "teacher-2-4", "teacher-4-17-followup"],
    Informant.PROFESSIONAL: ["teacher-4-17"],
    Informant.SELF: ["self-11-17", "self-11-17-followup"],
}
NORM_SETS = ["uk-3band@1", "uk-4band@1", "uk-2-4-provisional@1", "dk-parent-5-7-secondary@1"]
ODD = ["<i>&\"'", "Lærer & <pædagog>", "x" * 40, "Forælder med et meget langt navn på grafen"]


def random_response(rng: random.Random, informant: str, phase: str) -> SimpleNamespace:
    """What the results read of a saved response."""
    scores: dict[str, object] = {}
    for name, _, top in results.SCALES:
        if rng.random() < 0.9:
            scores[name] = None if rng.random() < 0.05 else rng.randint(0, top)
            scores[f"{name}_band"] = rng.choice(["", "normal", "borderline", "abnormal", "<x>"])
    # midnight in Copenhagen is 23:00 or 22:00 UTC: the local date is the next day's
    answered = dt.datetime(2026, rng.randint(1, 12), rng.randint(1, 28), tzinfo=dt.UTC)
    answered += dt.timedelta(hours=rng.choice([0, 12, 22, 23]), minutes=rng.randint(0, 59))
    return SimpleNamespace(
        informant=informant,
        phase=phase,
        scores=scores,
        norm_set=rng.choice([*NORM_SETS, "", "nope@1"]),
        form=rng.choice(FORMS[informant]),
        answered_at=answered,
        on_paper=rng.random() < 0.3,
    )


def random_results(rng: random.Random) -> results.DeliveryResults:
    responses = []
    for informant in rng.sample(list(FORMS), rng.randint(1, 4)):
        phases = rng.choice([[Phase.BEFORE], [Phase.AFTER]] + [[Phase.BEFORE, Phase.AFTER]] * 3)
        same = rng.choice([*NORM_SETS, "uk-3band@1", "uk-3band@1", ""])
        for phase in phases:
            response = random_response(rng, informant, phase)
            if rng.random() < 0.85:  # mostly the same norm set before and after
                response.norm_set = same
            responses.append(response)
    delivery = SimpleNamespace(
        pk=rng.choice([7, 999, 1000, 123456]),
        intervention=SimpleNamespace(name=rng.choice(["Samtaleforløb", *ODD])),
        start=dt.date(2026, rng.randint(1, 12), rng.randint(1, 28)),
        end=rng.choice([None, dt.date(2026, 12, 31)]),
    )
    res = results.delivery_results(delivery, responses)  # type: ignore[arg-type]
    for r in res.informants:  # what the engine cannot give: text that needs escaping
        if rng.random() < 0.3:
            r.label = rng.choice(ODD)
        if rng.random() < 0.2:
            r.norm_title = rng.choice(ODD)
        if rng.random() < 0.15:
            r.note = rng.choice(ODD)
        if r.category_label and rng.random() < 0.2:
            r.category_label, r.rci_parameters = rng.choice(ODD), rng.choice(ODD)
        if r.category_label and rng.random() < 0.4:
            r.rci = rng.choice([None, None, 0.0, -1.955, 12.5])
    if res.chart is not None:
        for row in res.chart.rows:
            if rng.random() < 0.3:
                row.label = rng.choice(ODD)
        if rng.random() < 0.2:
            res.chart.description = rng.choice(ODD)
        if rng.random() < 0.1:
            res.chart = None
    return res


def draw(res: results.DeliveryResults) -> tuple[str, str]:
    return OLD.render(Context({"res": res})), NEW.render(Context({"res": res}))


@pytest.mark.parametrize("seed", range(60))
def test_the_tag_draws_the_markup_of_the_old_template(seed: int) -> None:
    res = random_results(random.Random(seed))
    old, new = draw(res)
    assert new == old
    assert old.count("<table") == len(res.informants)


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_the_delivery_id_is_localised_as_before_outside_the_chart_only() -> None:
    res = random_results(random.Random(3))
    res.delivery.pk = 123456
    # scores as a stored response could hold them, though the engine writes 0–40
    res.informants[0].rows[1].before = results.Cell(1234, "", "")
    res.informants[0].rows[1].after = results.Cell(-2000, "", "")
    res.informants[0].rows[2].after = results.Cell(12.5, "", "")  # type: ignore[arg-type]
    assert res.chart is not None
    old, new = draw(res)
    assert new == old
    assert 'id="resultater-123.456"' in new and 'id="sdq-chart-t-123456"' in new
    assert "<strong>1.234</strong>" in new and "<strong>12,5</strong>" in new


def test_the_seeds_cover_every_kind_of_result() -> None:
    """The random results above include each case the markup distinguishes."""
    seen = set()
    for seed in range(60):
        res = random_results(random.Random(seed))
        seen.add("chart" if res.chart else "no chart")
        seen.add(f"{len(res.informants)} informants")
        for r in res.informants:
            seen.add("before" if r.before else "no before")
            seen.add("after" if r.after else "no after")
            seen.add("paper" if any(x and x.on_paper for x in (r.before, r.after)) else "web")
            seen.add("category" if r.category_label else ("note" if r.note else "no change"))
            seen.add("rci" if r.category_label and r.rci is not None else "")
            seen.add("no rci" if r.category_label and r.rci is None else "")
    assert seen >= {
        "chart",
        "no chart",
        "1 informants",
        "2 informants",
        "3 informants",
        "4 informants",
        "before",
        "no before",
        "after",
        "no after",
        "paper",
        "web",
        "category",
        "note",
        "no change",
        "rci",
        "no rci",
    }


@pytest.mark.parametrize("seed", range(30))
def test_the_panel_draws_the_markup_of_the_old_template(seed: int) -> None:
    rng = random.Random(seed)
    deliveries = [random_results(rng) for _ in range(rng.choice([0, 1, 1, 2, 3]))]
    for dr in deliveries:
        if rng.random() < 0.4:  # a delivery without answers: the links sent are counted
            dr.informants, dr.chart = [], None
            dr.requests = [object()] * rng.choice([0, 1, 2, 1001])  # type: ignore[list-item]
    may_work = rng.random() < 0.7
    # every other seed with the thousands separator on: "1.001 links sendt."
    with override_settings(USE_THOUSAND_SEPARATOR=seed % 2 == 0):
        context = Context({"show": True, "deliveries": deliveries, "may_work": may_work})
        old = OLD_PANEL.render(context)
        assert sdq_panel(deliveries, may_work) == old
    assert old.count('<article class="sdq-delivery">') == len(deliveries)


def test_a_case_about_no_child_draws_what_the_template_drew() -> None:
    case = SimpleNamespace(child_id=None)
    old = OLD_PANEL.render(Context({"show": False}))
    assert measurement_panel(case, object(), [], may_work=True) == old == "\n"
