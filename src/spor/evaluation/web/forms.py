"""The filters of the evaluation page: a GET form; invalid input gives a Danish message."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms

from spor.cases.models import Intervention, InterventionType, Level, Target
from spor.measurement.models import Informant

# Age at the baseline measurement, in whole years: (code, label, lowest, highest).
AGE_GROUPS = [
    ("2-5", "2–5 år", 2, 5),
    ("6-10", "6–10 år", 6, 10),
    ("11-17", "11–17 år", 11, 17),
]
AGE_RANGES = {code: (lo, hi) for code, _, lo, hi in AGE_GROUPS}
DEFAULT_INFORMANT = Informant.PROFESSIONAL

ALL = [("", "Alle")]
MSG_CHOICE = "Vælg en af mulighederne i listen."
MSG_INTERVENTION = "Vælg en indsats fra kommunens indsatsvifte."
MSG_DATE = "Skriv datoen som åååå-mm-dd, fx 2026-01-31."
MSG_PERIOD = "Periodens start skal ligge før dens slutning."


@dataclass(frozen=True)
class Filters:
    intervention: Intervention | None = None
    kind: str = ""
    level: str = ""
    target: str = ""
    age_group: str = ""
    informant: str = DEFAULT_INFORMANT
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def age_range(self) -> tuple[int, int] | None:
        return AGE_RANGES.get(self.age_group)


def _choice(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=ALL + choices,
        required=False,
        error_messages={"invalid_choice": MSG_CHOICE},
    )


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": MSG_DATE},
    )


class FilterForm(forms.Form):
    indsats = forms.ModelChoiceField(
        label="Indsats",
        queryset=Intervention.objects.none(),
        required=False,
        empty_label="Alle",
        error_messages={"invalid_choice": MSG_INTERVENTION},
    )
    type = _choice("Type", list(InterventionType.choices))
    niveau = _choice("Niveau", list(Level.choices))
    maalgruppe = _choice("Målgruppe", list(Target.choices))
    alder = _choice("Aldersgruppe (ved førmålingen)", [(c, label) for c, label, _, _ in AGE_GROUPS])
    informant = forms.ChoiceField(
        label="Informant",
        choices=list(Informant.choices),
        required=False,
        error_messages={"invalid_choice": MSG_CHOICE},
    )
    fra = _date("Førmåling fra")
    til = _date("Førmåling til")

    def __init__(self, *args: Any, interventions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["indsats"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = interventions

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("fra"), data.get("til")
        if start and end and start > end:
            self.add_error("til", MSG_PERIOD)
        return data

    def filters(self) -> Filters:
        d = self.cleaned_data
        return Filters(
            intervention=d.get("indsats"),
            kind=d.get("type") or "",
            level=d.get("niveau") or "",
            target=d.get("maalgruppe") or "",
            age_group=d.get("alder") or "",
            informant=d.get("informant") or DEFAULT_INFORMANT,
            date_from=d.get("fra"),
            date_to=d.get("til"),
        )
