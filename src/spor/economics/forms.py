"""Forms of the economics screens. They read Danish numbers (``520.000``, ``3,5``) and say in
Danish what to fix; the services check the same rules again."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from spor.accounts.models import Profession
from spor.cases.models import Intervention
from spor.concerns.forms import DateInput
from spor.economics import services as s
from spor.economics.models import MAX_HORIZON, EffectSource, Purse

MSG_NUMBER = "Skriv et tal, fx 520000, 520.000 eller 3,5."
MSG_DATE = "Skriv datoen som dd.mm.åååå, fx 01.01.2026."
MSG_WHOLE = "Skriv et helt tal."
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y"]
_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def parse_number(text: str) -> str:
    """``520.000`` → ``520000``; ``3,5`` → ``3.5``; ``1.234,5`` → ``1234.5``; a lone dot
    with other than three digits after it is a decimal point (``3.5``)."""
    t = text.strip().replace(" ", "").replace("\u00a0", "").replace("−", "-")
    t = t.removesuffix("kr.").removesuffix("kr").removesuffix("%")
    if "," in t:
        return t.replace(".", "").replace(",", ".")
    if _THOUSANDS.match(t):
        return t.replace(".", "")
    return t


def show_number(value: Any) -> Any:
    """A number as the person would type it: ``3.50`` → ``3,5``, ``45000.00`` → ``45000``
    (no thousands dots, so nothing is ambiguous when it comes back)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    d = Decimal(str(value))
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


class NumberField(forms.DecimalField):
    def __init__(
        self, label: str, *, required: bool = False, size: int | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"] = {
            "invalid": MSG_NUMBER,
            "max_digits": MSG_NUMBER,
            "max_decimal_places": MSG_NUMBER,
            "max_whole_digits": MSG_NUMBER,
            **kwargs["error_messages"],
        }
        super().__init__(
            label=label,
            required=required,
            widget=forms.TextInput(
                attrs={"inputmode": "decimal"} | ({"size": size} if size else {})
            ),
            max_digits=14,
            decimal_places=2,
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        return show_number(value)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = parse_number(value)
        return super().to_python(value)


def _whole(label: str, *, required: bool = True, message: str = MSG_WHOLE) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        error_messages={"required": message, "invalid": MSG_WHOLE},
    )


class HourlyRateForm(forms.Form):
    profession = forms.ChoiceField(
        label="Faggruppe",
        choices=[("", "Vælg …"), *Profession.choices],
        error_messages={"required": s.MSG_PROFESSION, "invalid_choice": s.MSG_PROFESSION},
    )
    valid_from = forms.DateField(
        label="Gælder fra",
        widget=DateInput(),
        input_formats=DATE_FORMATS,
        error_messages={"required": s.MSG_VALID_FROM, "invalid": MSG_DATE},
        help_text="En ny timepris fra en senere dato gemmes ved siden af den gamle.",
    )
    annual_cost = NumberField(
        "Årlig lønudgift pr. årsværk (kr.)",
        help_text="Løn med pension og andre lønudgifter for én fuldtidsstilling.",
    )
    productive_hours = NumberField(
        "Produktive timer pr. år",
        help_text="Timer om året til børnenes forløb, efter ferie, fravær, møder og transport.",
    )
    overhead_pct = NumberField(
        "Overhead (%)", help_text="Tillæg for ledelse, lokaler og administration, fx 25."
    )
    rate_value = NumberField(
        "… eller timepris direkte (kr.)",
        help_text="Udfyld kun, hvis timeprisen ikke skal regnes ud af felterne ovenfor.",
    )
    note = forms.CharField(label="Bemærkning", required=False, max_length=300)


class InterventionCostForm(forms.Form):
    intervention = forms.ModelChoiceField(
        label="Indsats",
        queryset=Intervention.objects.none(),
        required=False,
        empty_label="Fælles for alle indsatser",
        error_messages={"invalid_choice": s.MSG_INTERVENTION},
        help_text="Fælles udgifter fordeles på alle indsatser efter timer.",
    )
    year = _whole("Budgetår", message=s.MSG_YEAR)
    materials = NumberField(
        "Materialer (kr.)", min_value=Decimal(0), error_messages={"min_value": s.MSG_AMOUNT}
    )
    implementation = NumberField(
        "Implementering (kr.)",
        min_value=Decimal(0),
        error_messages={"min_value": s.MSG_AMOUNT},
        help_text="Uddannelse, opstart, supervision og lignende.",
    )
    note = forms.CharField(label="Bemærkning", required=False, max_length=300)

    def __init__(self, *args: Any, interventions: QuerySet[Intervention], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["intervention"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = interventions


YEARS = range(1, MAX_HORIZON + 1)
SERIES = [
    ("staff", "staff_costs", "Personaleudgifter (kr.)"),
    ("other", "other_costs", "Øvrige udgifter (kr.)"),
    ("children", "children", "Børn, der starter"),
]


class ScenarioForm(forms.Form):
    name = forms.CharField(label="Navn", max_length=150, error_messages={"required": s.MSG_NAME})
    intervention = forms.ModelChoiceField(
        label="Indsats (valgfri)",
        queryset=Intervention.objects.none(),
        required=False,
        empty_label="Ingen bestemt indsats",
        error_messages={"invalid_choice": s.MSG_INTERVENTION},
    )
    horizon = _whole(f"Horisont (1–{MAX_HORIZON} år)", message=s.MSG_HORIZON)
    discount_rate_pct = NumberField(
        "Diskonteringsrente (%)",
        required=True,
        error_messages={"required": s.MSG_DISCOUNT},
        help_text="Fx 3,5 (Finansministeriets rente).",
    )
    completion_pct = NumberField(
        "Gennemførelse (%)",
        required=True,
        error_messages={"required": s.MSG_COMPLETION},
        help_text="Andel af børnene, der gennemfører forløbet.",
    )
    effect_pct = NumberField(
        "Effekt: ekstra andel, der klarer sig (procentpoint)",
        required=True,
        error_messages={"required": s.MSG_EFFECT},
        help_text="Ud over dem, der ville have klaret sig uden indsatsen.",
    )
    effect_low_pct = NumberField(
        "Effektens 95 %-interval: nedre grænse (procentpoint)",
        help_text="Valgfri. Med et interval løber følsomheden over hele intervallet.",
    )
    effect_high_pct = NumberField("Effektens 95 %-interval: øvre grænse (procentpoint)")
    upper_bound_pct = NumberField(
        "Øvre grænse: før/efter-andelen uden korrektion (%)",
        help_text="Valgfri. Vises kun som øvre grænse, aldrig som effekt.",
    )
    effect_source = forms.ChoiceField(
        label="Effekten kommer fra",
        choices=EffectSource.choices,
        widget=forms.RadioSelect,
        error_messages={"required": s.MSG_EFFECT_SOURCE, "invalid_choice": s.MSG_EFFECT_SOURCE},
    )
    effect_note = forms.CharField(
        label="Kilde",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": s.MSG_EFFECT_NOTE},
    )
    avoided_kommune = NumberField("Kommunen (kr. pr. barn pr. år)")
    avoided_region = NumberField("Regionen (kr. pr. barn pr. år)")
    avoided_stat = NumberField("Staten (kr. pr. barn pr. år)")
    benefit_start = _whole("Besparelserne begynder (år efter start)", message=s.MSG_BENEFIT_START)
    benefit_years = _whole("Besparelserne varer (år pr. barn)", required=False)
    payer = forms.ChoiceField(
        label="Indsatsen betales af",
        choices=Purse.choices,
        error_messages={"required": s.MSG_PAYER, "invalid_choice": s.MSG_PAYER},
    )

    def __init__(self, *args: Any, interventions: QuerySet[Intervention], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["intervention"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = interventions
        self.fields["benefit_years"].help_text = "Tom: til horisontens slutning."
        for prefix, _, label in SERIES:
            for t in YEARS:
                self.fields[f"{prefix}_{t}"] = NumberField(
                    f"{label}, år {t}",
                    size=10,
                    min_value=Decimal(0),
                    error_messages={"min_value": MSG_NUMBER},
                )

    @property
    def main_fields(self) -> list[forms.BoundField]:
        series = {f"{p}_{t}" for p, _, _ in SERIES for t in YEARS}
        return [self[n] for n in self.fields if n not in series]

    @property
    def series_labels(self) -> list[str]:
        return [label for _, _, label in SERIES]

    @property
    def year_rows(self) -> list[tuple[int, list[forms.BoundField]]]:
        """One row per budget year, one field per series (years down, so it fits a page)."""
        return [(t, [self[f"{p}_{t}"] for p, _, _ in SERIES]) for t in YEARS]

    @property
    def years(self) -> range:
        return YEARS

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        out = {
            n: d.get(n) for n in self.fields if not any(n.startswith(f"{p}_") for p, _, _ in SERIES)
        }
        for prefix, name, _ in SERIES:
            out[name] = [d.get(f"{prefix}_{t}") for t in YEARS]
        return out

    @staticmethod
    def initial_from(scenario: Any) -> dict[str, Any]:
        initial = {
            n: getattr(scenario, n)
            for n in (
                "name",
                "intervention",
                "horizon",
                "discount_rate_pct",
                "completion_pct",
                "effect_pct",
                "effect_low_pct",
                "effect_high_pct",
                "upper_bound_pct",
                "effect_source",
                "effect_note",
                "avoided_kommune",
                "avoided_region",
                "avoided_stat",
                "benefit_start",
                "benefit_years",
                "payer",
            )
        }
        for prefix, name, _ in SERIES:
            for t, v in enumerate(getattr(scenario, name), start=1):
                initial[f"{prefix}_{t}"] = v
        return initial


class CostFilterForm(forms.Form):
    """The cost page's GET filters."""

    aar = forms.TypedChoiceField(
        label="Budgetår (forløbets indsats startede)",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Vælg et år fra listen."},
    )
    indsats = forms.ModelChoiceField(
        label="Indsats",
        queryset=Intervention.objects.none(),
        required=False,
        empty_label="Alle",
        error_messages={"invalid_choice": s.MSG_INTERVENTION},
    )
    prisdato = forms.DateField(
        label="Timepriser pr.",
        required=False,
        widget=DateInput(),
        input_formats=DATE_FORMATS,
        error_messages={"invalid": MSG_DATE},
        help_text="Alle timer prissættes med de timepriser, der gælder denne dag (faste priser).",
    )

    def __init__(
        self, *args: Any, interventions: QuerySet[Intervention], years: list[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["indsats"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = interventions
        year_field = self.fields["aar"]
        assert isinstance(year_field, forms.TypedChoiceField)
        year_field.choices = [("", "Alle år"), *[(str(y), str(y)) for y in years]]

    def price_day(self, today: dt.date) -> dt.date:
        return self.cleaned_data.get("prisdato") or today
