"""The evaluator's filter: the informant, nothing else (a GET form). Every other cut is a
fixed row of the page's tables; see :class:`EvaluationFilterForm`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from spor.evaluation.web.forms import DEFAULT_INFORMANT, Filters
from spor.measurement.models import Informant
from spor.programme.models import Programme

MSG_CHOICE = "Vælg en af mulighederne i listen."
MSG_ONLY_INFORMANT = (
    "Kun informanten kan vælges. Opdelingerne (type, niveau, aldersgruppe, halvår, kommune og "
    "pejlemærke) står som rækker i tabellerne, så alle tal kan beskyttes sammen."
)


class EvaluationFilterForm(forms.Form):
    """Only the informant: the cuts (type, level, age group, half-year, municipality,
    pejlemærke) are the rows of the page's tables, one dimension at a time, protected
    together. A free combination of filters would count the same children in ever new
    groupings that no protection can keep up with."""

    informant = forms.ChoiceField(
        label="Informant",
        choices=list(Informant.choices),
        required=False,
        error_messages={"invalid_choice": MSG_CHOICE},
    )

    def __init__(self, *args: Any, programme: Programme, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_bound and set(self.data) - set(self.fields):
            raise forms.ValidationError(MSG_ONLY_INFORMANT)
        return data

    def filters(self) -> Filters:
        d = self.cleaned_data if self.is_bound else {}
        return Filters(informant=d.get("informant") or DEFAULT_INFORMANT)


def query_of(filters: Filters) -> dict[str, str]:
    """The filters as the page's query parameters (for the export links)."""
    return {"informant": filters.informant}
