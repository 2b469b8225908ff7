"""The grid's colour and focus choices drawn by template tags (``rate_choices``,
``focus_choices``) are the markup of the template loops they replaced, kept here, for every
kind of cell: rated or not, focus points chosen or not, names that need escaping, and a
group that may or may not be rated yet."""

from __future__ import annotations

import itertools
import random

import pytest
from django.template import Context, Template

from spor.screening import areas

OLD = Template(
    '{% for key, label in colours %}<label class="swatch swatch-{{ key }}"><input'
    ' type="radio" name="r-{{ pk }}-{{ cell.key }}" value="{{ key }}"{% if cell.rating == key %}'
    " checked{% endif %}{% if not may_rate or not notice %} disabled{% endif %}><span"
    ' class="shape" aria-hidden="true"></span>{{ label }}</label>{% endfor %}'
    '|{% for key, label, checked in cell.focus %}<label><input type="checkbox"'
    ' name="f-{{ pk }}-{{ cell.key }}" value="{{ key }}"{% if checked %} checked{% endif %}'
    "{% if not may_rate or not notice %} disabled{% endif %}> {{ label }}</label>{% endfor %}"
)
NEW = Template(
    "{% load screening_tags %}{% rate_choices pk cell colours may_rate notice %}"
    "|{% focus_choices pk cell may_rate notice %}"
)
COLOURS = [(c, areas.COLOUR_LABELS[c]) for c in areas.COLOURS]


def random_cell(rng: random.Random) -> dict[str, object]:
    focus = [
        (
            rng.choice(["ro", "sprog", 'a"b', "<x>", "&"]),
            rng.choice(["Ro & fokus", "Sprog", "<b>"]),
            rng.random() < 0.4,
        )
        for _ in range(rng.randint(0, 5))
    ]
    return {
        "key": rng.choice(["trivsel", "udvikling", "laering", "relationer", "a&b"]),
        "label": "Trivsel",
        "rating": rng.choice([None, "", *areas.COLOURS]),
        "others": [],
        "focus": focus,
    }


@pytest.mark.parametrize(
    ("may_rate", "notice"), list(itertools.product([True, False], [True, False, None, "x"]))
)
def test_the_tags_draw_the_markup_of_the_template_loops(may_rate: bool, notice: object) -> None:
    rng = random.Random(f"{may_rate}{notice}")
    for _ in range(50):
        context = {
            "pk": rng.choice([1, 1177, 123456]),
            "cell": random_cell(rng),
            "colours": COLOURS,
            "may_rate": may_rate,
            "notice": notice,
        }
        old, new = OLD.render(Context(context)), NEW.render(Context(context))
        assert new == old
        assert old.count("<input") == len(COLOURS) + len(context["cell"]["focus"])  # type: ignore[index]
