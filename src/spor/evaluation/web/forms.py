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
MSG_HALF = "Vælg et halvår, fx 2026-1 (januar–juni) eller 2026-2 (juli–december)."
MSG_ONE = (
    "Vælg højst ét filter ud over informanten (indsats, type, niveau, målgruppe, aldersgruppe "
    "eller halvår). To filtre sammen ville vise tal om så få børn, at de skjulte tal kunne "
    "regnes ud ved at sammenligne visningerne."
)
FIRST_YEAR = 2015


def half_years(today: dt.date | None = None) -> list[tuple[str, str]]:
    """The half-years a period can start or end with, newest first: ``("2026-2", "2. halvår
    2026")``. Nothing finer: two periods that differ by a day (or a month) would differ by a
    child or two, and their difference would give those children away."""
    today = today or dt.date.today()
    last = 2 if today.month > 6 else 1
    out = []
    for year in range(today.year, FIRST_YEAR - 1, -1):
        for part in (2, 1):
            if year == today.year and part > last:
                continue
            out.append((f"{year}-{part}", f"{part}. halvår {year}"))
    return out


def half_start(code: str) -> dt.date:
    year, part = (int(x) for x in code.split("-"))
    return dt.date(year, 1 if part == 1 else 7, 1)


def half_end(code: str) -> dt.date:
    year, part = (int(x) for x in code.split("-"))
    return dt.date(year, 6, 30) if part == 1 else dt.date(year, 12, 31)


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


def _half(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=ALL,
        required=False,
        error_messages={"invalid_choice": MSG_HALF},
    )


# The filters that choose children (all but the informant): at most one at a time, so that
# every view the lead can set is one row of a fixed lattice (all children, or one value of
# one of these), and the lattice is protected together (spor.evaluation.web.lattice).
CHOOSING = ("indsats", "type", "niveau", "maalgruppe", "alder", "halvaar")


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
    halvaar = _half("Førmåling i halvåret")

    def __init__(self, *args: Any, interventions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["indsats"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = interventions
        choice = self.fields["halvaar"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = ALL + half_years()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if sum(bool(data.get(name)) for name in CHOOSING) > 1:
            raise forms.ValidationError(MSG_ONE, code="one_filter")
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
            date_from=half_start(d["halvaar"]) if d.get("halvaar") else None,
            date_to=half_end(d["halvaar"]) if d.get("halvaar") else None,
        )
