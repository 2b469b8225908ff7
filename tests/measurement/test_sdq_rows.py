"""The rows of the SDQ panel's before/after tables drawn by a template tag (``sdq_rows``)
are the markup of the template loop they replaced, kept here, for every kind of row:
scores before and after or one of them missing, a score without a value, bands with and
without a label, changes up, down and none, and names that need escaping."""

from __future__ import annotations

import random

import pytest
from django.template import Context, Template

from spor.measurement.results import Cell, Row

OLD = Template(
    "{% load i18n %}"
    '<tbody>{% for row in rows %}<tr{% if forloop.first %} class="total"{% endif %}>\n'
    '    <th scope="row">{{ row.label }}</th>\n'
    "    <td>{% if row.before %}"
    "{% if row.before.value is not None %}<strong>{{ row.before.value }}</strong>"
    '{% if row.before.band_label %} <span class="band band-{{ row.before.band }}">{{ '
    "row.before.band_label }}</span>{% endif %}{% else %}–{% endif %}"
    '{% else %}<span class="muted">{% translate "mangler" %}</span>{% endif %}</td>\n'
    "    <td>{% if row.after %}"
    "{% if row.after.value is not None %}<strong>{{ row.after.value }}</strong>"
    '{% if row.after.band_label %} <span class="band band-{{ row.after.band }}">{{ ro'
    "w.after.band_label }}</span>{% endif %}{% else %}–{% endif %}"
    '{% else %}<span class="muted">{% translate "mangler" %}</span>{% endif %}</td>\n'
    '    <td class="num">{% if row.change is not None %}{% if row.change > 0 %}+'
    "{% endif %}{{ row.change }}{% else %}–{% endif %}</td>\n"
    "  </tr>{% endfor %}</tbody>"
)
NEW = Template("{% load measurement_tags %}<tbody>{% sdq_rows rows %}</tbody>")


def random_cell(rng: random.Random) -> Cell | None:
    if rng.random() < 0.2:
        return None
    value = None if rng.random() < 0.15 else rng.randint(0, 40)
    band = rng.choice(["", "normal", "borderline", "a&b", '<x">'])
    label = rng.choice(["", "Normalområde", "Grænseområde", "<b>&</b>"])
    return Cell(value, band, label)


@pytest.mark.parametrize("seed", range(20))
def test_the_tag_draws_the_markup_of_the_template_loop(seed: int) -> None:
    rng = random.Random(seed)
    rows = [
        Row(
            f"s{i}",
            rng.choice(["Samlet vanskelighedsscore", "Følelsesmæssige symptomer", "<i>&"]),
            random_cell(rng),
            random_cell(rng),
        )
        for i in range(rng.randint(0, 7))
    ]
    old, new = OLD.render(Context({"rows": rows})), NEW.render(Context({"rows": rows}))
    assert new == old
    assert old.count("<tr") == len(rows)
