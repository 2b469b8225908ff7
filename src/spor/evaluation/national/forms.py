"""The evaluator's filters: a GET form with fixed, coarse choices only (a calendar year, not
free dates), so that two cuts differ by whole groups rather than by a child or two."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from spor.cases.models import InterventionType, Level
from spor.evaluation.web.forms import AGE_GROUPS, DEFAULT_INFORMANT, Filters
from spor.measurement.models import Informant
from spor.programme.models import Programme

ALL = [("", "Alle")]
MSG_CHOICE = "Vælg en af mulighederne i listen."


def years(programme: Programme, today: dt.date) -> list[int]:
    """The calendar years from the programme's start to this year (or its end, if later)."""
    last = max(programme.end_on.year, today.year)
    return list(range(programme.start_on.year, last + 1))


def _choice(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=ALL + choices,
        required=False,
        error_messages={"invalid_choice": MSG_CHOICE},
    )


class EvaluationFilterForm(forms.Form):
    type = _choice("Indsatstype", list(InterventionType.choices))
    niveau = _choice("Niveau", list(Level.choices))
    alder = _choice("Aldersgruppe (ved førmålingen)", [(c, lbl) for c, lbl, _, _ in AGE_GROUPS])
    informant = forms.ChoiceField(
        label="Informant",
        choices=list(Informant.choices),
        required=False,
        error_messages={"invalid_choice": MSG_CHOICE},
    )
    aar = _choice("Førmåling i året", [])

    def __init__(self, *args: Any, programme: Programme, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["aar"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = ALL + [(str(y), str(y)) for y in years(programme, today)]

    def filters(self) -> Filters:
        d = self.cleaned_data if self.is_bound else {}
        year = int(d["aar"]) if d.get("aar") else None
        return Filters(
            kind=d.get("type") or "",
            level=d.get("niveau") or "",
            age_group=d.get("alder") or "",
            informant=d.get("informant") or DEFAULT_INFORMANT,
            date_from=dt.date(year, 1, 1) if year else None,
            date_to=dt.date(year, 12, 31) if year else None,
        )


def query_of(filters: Filters) -> dict[str, str]:
    """The filters as the page's query parameters (for the export links)."""
    out = {
        "type": filters.kind,
        "niveau": filters.level,
        "alder": filters.age_group,
        "informant": filters.informant,
        "aar": str(filters.date_from.year) if filters.date_from else "",
    }
    return {k: v for k, v in out.items() if v}
