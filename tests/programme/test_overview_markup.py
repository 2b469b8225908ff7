# ruff: noqa: E501  (the templates are kept verbatim)
"""The initiatives overview's diagrams and rows are built in Python (``programme_tags``); the
page must show exactly what the template language showed. The templates they replaced are
kept here and rendered over the same data: the page's markup must equal theirs, on the demo
partnership (eleven municipalities, about a hundred initiatives) and with markup in every
text a municipality writes."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.template import engines
from django.test import Client

from spor.demo import programme as demo
from spor.programme import selectors
from spor.programme.access import programme_actor
from spor.programme.models import Benchmark, Initiative, Programme, ProgrammeAdmin
from spor.tenancy.models import Municipality
from tests.conftest import World
from tests.programme.test_evaluator import both

# programme/_bar_chart.html as it was, included once per diagram.
OLD_CHARTS = """{% for tally in data.tallies %}{% load i18n %}<section class="prog-chart" aria-labelledby="chart-{{ tally.key }}">
  <h3 id="chart-{{ tally.key }}">{{ tally.title }}</h3>
  <figure>
    <svg role="img" aria-labelledby="chart-{{ tally.key }}-t chart-{{ tally.key }}-d" width="{{ tally.chart.width }}" height="{{ tally.chart.height }}" viewBox="0 0 {{ tally.chart.width }} {{ tally.chart.height }}" xmlns="http://www.w3.org/2000/svg">
      <title id="chart-{{ tally.key }}-t">{{ tally.title }}</title>
      <desc id="chart-{{ tally.key }}-d">{% translate "Antal initiativer pr. kategori. Tallene står også i tabellen under figuren." %}</desc>
      {% for bar in tally.chart.bars %}
      <g>
        <text x="0" y="{{ bar.text_y }}" font-size="13" fill="#1a1a1a">{{ bar.label|truncatechars:42 }}</text>
        {% if bar.width %}<rect x="{{ tally.chart.label_width }}" y="{{ bar.y }}" width="{{ bar.width|stringformat:'.1f' }}" height="{{ tally.chart.bar_height }}" fill="{{ tally.chart.fill }}"><title>{{ bar.label }}: {{ bar.n }}</title></rect>{% endif %}
        <text x="{{ bar.value_x|stringformat:'.1f' }}" y="{{ bar.text_y }}" font-size="13" fill="#1a1a1a" font-weight="600">{{ bar.n }} ({{ bar.share }} %)</text>
      </g>
      {% endfor %}
    </svg>
    {% if tally.note %}<figcaption>{{ tally.note }}</figcaption>{% endif %}
  </figure>
  <div class="table-scroll" role="region" aria-label="{{ tally.title }} – {% translate "tal" %}" tabindex="0">
  <table class="prog-counts">
    <caption class="visually-hidden">{{ tally.title }} – {% translate "tal" %}</caption>
    <thead><tr><th scope="col">{% translate "Kategori" %}</th><th scope="col" class="num">{% translate "Initiativer" %}</th><th scope="col" class="num">{% translate "Andel" %}</th></tr></thead>
    <tbody>{% for bar in tally.chart.bars %}<tr><th scope="row">{{ bar.label }}</th><td class="num">{{ bar.n }}</td><td class="num">{{ bar.share }} %</td></tr>{% endfor %}</tbody>
    <tfoot><tr><th scope="row">{% translate "Initiativer i alt" %}</th><td class="num">{{ tally.total }}</td><td></td></tr></tfoot>
  </table>
  </div>
</section>
{% endfor %}"""

# The overview's rows and programme/_initiative_cells.html as templates, over the plain rows.
OLD_ROWS = """{% load i18n %}{% for i in data.initiatives %}<tr>
    <td>{{ i.municipality }}</td>
    <th scope="row"><a href="{% url 'programme:programme_plan' programme_id=programme.pk developmentplan_id=i.plan_id %}">{{ i.title }}</a><br><small>{{ i.description|truncatewords:30 }}</small></th>
    <td>{% for number, title in i.benchmarks %}<span class="bm" title="{{ title }}"><span class="visually-hidden">{% translate "Pejlemærke" %} </span>{{ number }}</span>{% endfor %}</td>
<td>{{ i.scope_label }}<br><small>{{ i.aimed_at_labels|join:", " }}</small></td>
<td>{% if i.level %}{{ i.level_label }}{% else %}–{% endif %}</td>
<td>{{ i.target_labels|join:", " }}</td>
<td>{{ i.age_labels|join:"; " }}</td>
<td>{{ i.responsible }}</td>
<td><span class="istatus istatus-{{ i.status }}">{{ i.status_label }}</span></td>
  </tr>{% empty %}<tr><td colspan="9">{% translate "Ingen initiativer matcher filtrene." %}</td></tr>{% endfor %}"""

FILTERS = ["", "?pejlemaerke=2", "?niveau=indgribende&art=specifik", "?tekst=ingen-saadan-tekst"]


@pytest.fixture
def partnership(db: None) -> Programme:
    # The demo's partnership as spor_demo --partners writes it (eleven municipalities, their
    # plans and about a hundred initiatives), without the children the overview never shows.
    demo.generate(
        Municipality.objects.create(code="999", name="Sporby Kommune"),
        rng=random.Random(1),
        today=dt.date(2026, 12, 2),
    )
    return Programme.objects.get()


def between(page: str, start: str, end: str) -> str:
    assert page.count(start) == 1, start
    return page.split(start, 1)[1].split(end, 1)[0]


def assert_as_the_templates_drew_it(programme: Programme) -> None:
    admin = ProgrammeAdmin.objects.filter(programme=programme).first()
    assert admin is not None
    client = Client()
    client.force_login(admin.user)
    pactor = programme_actor(admin.user, programme.pk)
    charts = engines["django"].from_string(OLD_CHARTS)
    rows = engines["django"].from_string(OLD_ROWS)
    for query in FILTERS:
        response = client.get(f"/partnerskab/{programme.pk}/initiativer/{query}")
        assert response.status_code == 200
        page = response.content.decode()
        # The same filter through the selectors the view uses, drawn by the old templates.
        data = selectors.overview(selectors.initiatives(pactor), response.context["filter"])
        context = {"data": data, "programme": programme}
        assert between(page, '<div class="prog-charts">', "</div>\n\n") == charts.render(context)
        tbody = page.rsplit('<table class="prog-table prog-list">', 1)[1]
        assert between(tbody, "<tbody>", "</tbody>") == rows.render(context)


def test_the_overviews_diagrams_and_rows_are_the_templates_markup(partnership: Programme) -> None:
    assert Initiative.objects.count() > 90
    assert_as_the_templates_drew_it(partnership)


def test_markup_in_every_written_text_is_escaped_as_the_templates_did(
    partnership: Programme,
) -> None:
    item = Initiative.objects.order_by("pk").first()
    assert item is not None
    Initiative.objects.filter(pk=item.pk).update(
        title="<script>alert(1)</script> & 'Grupper'",
        description='Beskrivelse "med" <b>fed</b> ' + " ".join(f"ord{n}" for n in range(40)),
        responsible="<i>PPR</i> & co",
    )
    Municipality.objects.filter(pk=item.municipality_id).update(
        name="<script>kommune()</script> Kommune med et meget langt navn over fyrretyve tegn"
    )
    Benchmark.objects.filter(number=1).update(title='<script>"pejlemærke"</script>')
    assert_as_the_templates_drew_it(partnership)
    admin = ProgrammeAdmin.objects.filter(programme=partnership).first()
    assert admin is not None
    client = Client()
    client.force_login(admin.user)
    page = client.get(f"/partnerskab/{partnership.pk}/initiativer/").content.decode()
    assert "<script>" not in page and "<b>fed" not in page and "<i>PPR" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#x27;Grupper&#x27;</a>" in page
    assert 'fill="#1a1a1a">&lt;script&gt;kommune()&lt;/script&gt; Kommune med et…</text>' in page


# The evaluation page's breakdowns as programme/evaluation.html and evaluation_row.html drew
# them, one section per breakdown.
OLD_ROW = """<tr><th scope="row">{{ r.label }}</th><td>{{ r.paired }}</td>{% if r.change %}<td>{{ r.change.before }}</td><td>{{ r.change.after }}</td><td>{{ r.change.change }}</td><td>{{ r.change.ci }}</td><td>{{ r.dz }}</td>{% else %}<td>{{ mark }}</td><td>{{ mark }}</td><td>{{ mark }}</td><td>{{ mark }}</td><td>{{ mark }}</td>{% endif %}<td>{{ r.improvement }}</td><td>{{ r.normal }}</td><td>{% if r.change %}{{ r.beyond|default:"–" }}{% else %}{{ mark }}{% endif %}</td></tr>
"""
OLD_BREAKDOWNS = (
    """{% for b in report.breakdowns %}
<section aria-labelledby="b-{{ b.key }}">
  <h2 id="b-{{ b.key }}">{{ b.title }}</h2>
  <p>{{ b.note }}</p>
  <div class="table-scroll" role="region" aria-label="Antal børn (forløb) efter pålidelig ændring" tabindex="0">
  <table class="evaluation-counts" data-breakdown="{{ b.key }}">
    <caption>Antal børn (forløb) efter pålidelig ændring</caption>
    <thead><tr><th scope="col">{{ b.row_heading }}</th>{% for l in column_labels %}<th scope="col">{{ l }}</th>{% endfor %}<th scope="col">{{ total_label }}</th></tr></thead>
    <tbody>
      {% for r in b.rows %}<tr><th scope="row">{{ r.label }}</th>{% for c in r.cells %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}
      {% if b.means_in_total %}<tr class="total"><th scope="row">{{ b.total.label }}</th>{% for c in b.total.cells %}<td>{{ c }}</td>{% endfor %}</tr>{% endif %}
    </tbody>
  </table>
  </div>
  <div class="table-scroll" role="region" aria-label="Samlet vanskelighedsscore før og efter" tabindex="0">
  <table class="evaluation-means">
    <caption>Samlet vanskelighedsscore før og efter</caption>
    <thead><tr><th scope="col">{{ b.row_heading }}</th><th scope="col">Par</th><th scope="col">Før</th><th scope="col">Efter</th><th scope="col">Ændring</th><th scope="col">95 %-interval</th><th scope="col">dz</th><th scope="col">Pålidelig forbedring i alt</th><th scope="col">Ind i normalområdet i alt</th><th scope="col">Ud over regression mod middelværdien (95 %-interval; et skøn)</th></tr></thead>
    <tbody>
      {% for r in b.rows %}"""
    + OLD_ROW
    + """{% endfor %}
      {% if b.means_in_total %}{% with r=b.total %}"""
    + OLD_ROW
    + """{% endwith %}{% endif %}
    </tbody>
  </table>
  </div>
</section>
{% endfor %}"""
)


def test_the_evaluation_pages_breakdowns_are_the_templates_markup(world: World) -> None:
    both(world)
    old = engines["django"].from_string(OLD_BREAKDOWNS)
    programme = world.extra["programme"]
    seen = 0
    for who in ("programme_evaluator", "programme_admin"):
        client = world.client_for(world.extra[who])
        for query in ("", "?informant=foraelder", "?informant=laerer"):
            response = client.get(f"/partnerskab/{programme.pk}/evaluering/{query}")
            assert response.status_code == 200
            page = response.content.decode()
            context = response.context[0].flatten()
            expected = old.render(context)
            start = page.index('\n<section aria-labelledby="b-')
            assert page[start : start + len(expected)] == expected
            assert page[start + len(expected) :].lstrip().startswith("</main>")
            seen += expected.count('<table class="evaluation-means">')
    assert seen > 6
