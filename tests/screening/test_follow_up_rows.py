# ruff: noqa: E501  (the template is kept verbatim)
"""The follow-up list's rows drawn in Python (screening_tags.follow_up_rows) give the markup
the template drew: the same bytes for every colour, with and without the concern link, and
names escaped."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, Template

from spor.screening.templatetags.screening_tags import follow_up_rows

# The rows as follow_up.html drew them before (its loop, unchanged).
TEMPLATE_ROWS = Template(
    """{% load i18n %}{% for a, why in rows %}<tr>
    <td><a href="{% url 'screening:child_screening' child_id=a.child_id %}">{{ a.child.full_name }}</a></td>
    <td>{{ a.group.name }}, {{ a.group.institution.name }}</td>
    <td>{% include "screening/_colour.html" with colour=a.position %}</td>
    <td>{% include "screening/_colour.html" with colour=a.previous_position %}</td>
    <td>{{ why|join:"; " }}</td>
    <td>{% if concern_url %}<a href="{{ concern_url }}?barn={{ a.child_id }}&amp;vurdering={{ a.pk }}">{% translate "Opret bekymring" %}<span class="visually-hidden"> {% translate "om" %} {{ a.child.full_name }}</span></a>{% endif %} · <a href="{% url 'cases:case_create' %}?barn={{ a.child_id }}&amp;vurdering={{ a.pk }}">{% translate "Start forløb" %}<span class="visually-hidden"> {% translate "om" %} {{ a.child.full_name }}</span></a></td>
  </tr>{% endfor %}"""
)


def row(pk: int, position: str, previous: str, name: str = "Ida Hansen") -> SimpleNamespace:
    institution = SimpleNamespace(name="Aby <Skole> & co")
    return SimpleNamespace(
        pk=pk,
        child_id=1000 + pk,
        child=SimpleNamespace(full_name=name),
        group=SimpleNamespace(name='3."A"', institution=institution),
        position=position,
        previous_position=previous,
    )


@pytest.mark.parametrize("concern_url", ["/bekymringer/ny/", ""])
def test_the_rows_are_the_templates(concern_url: str) -> None:
    colours = ["groen", "gul", "roed", ""]
    rows = [
        (row(i * 4 + j, now, before, name="Ole <b>&'Øst"), why)
        for i, now in enumerate(colours)
        for j, (before, why) in enumerate(
            zip(
                colours,
                [["Rød position"], ["Rød position", "Gul <to> gange"], [], ["x"]],
                strict=True,
            )
        )
    ]
    expected = TEMPLATE_ROWS.render(Context({"rows": rows, "concern_url": concern_url}))
    assert str(follow_up_rows(rows, concern_url)) == expected
    assert "&lt;b&gt;" in expected and "Gul &lt;to&gt; gange" in expected
