"""Forms for the programme and development-plan screens. They check what the person typed
and say in Danish what to fix; the services check the same rules again."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import QuerySet

from spor.cases.forms import date_field, text_field
from spor.cases.models import Intervention, Level, Target
from spor.lib.forms import ModelMultipleChoiceField
from spor.programme import services as s
from spor.programme.models import (
    AIMS_BY_SCOPE,
    AgeGroup,
    AimedAt,
    Benchmark,
    InitiativeStatus,
    Scope,
)
from spor.tenancy.models import Municipality

MILESTONE_ROWS = 3


class KronerField(forms.Field):
    """An amount in kroner as Danes write it: »123.100.000«, »123 100 000« or »2.500,50«."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(error_messages={"required": message}, **kwargs)
        self.message = message

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, Decimal):
            return value
        text = str(value or "").strip()
        if not text:
            return None
        cleaned = re.sub(r"[\s.]", "", text.replace("kr", "")).replace(",", ".")
        if len(cleaned) > 20:
            raise forms.ValidationError(self.message)
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise forms.ValidationError(self.message) from None
        if not amount.is_finite() or amount < 0 or amount >= Decimal(10) ** 12:
            raise forms.ValidationError(self.message)
        return amount.quantize(Decimal("0.01"))


def staff_field() -> forms.DecimalField:
    return forms.DecimalField(
        label="Ekstra årsværk i PPR",
        min_value=Decimal(0),
        max_value=s.MAX_STAFF,
        decimal_places=1,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
        help_text="Fx 2,5.",
        error_messages={
            k: s.MSG_STAFF
            for k in ("required", "invalid", "min_value", "max_value", "max_decimal_places")
        },
    )


class ProgrammeForm(forms.Form):
    name = forms.CharField(label="Navn", max_length=200, error_messages={"required": s.MSG_NAME})
    funder = forms.CharField(
        label="Ansvarlig myndighed", max_length=150, error_messages={"required": s.MSG_FUNDER}
    )
    description = text_field("Formål", required=False, rows=4)
    start_on = date_field("Periodens start")
    end_on = date_field("Periodens slutning")
    grant_pool = KronerField(
        label="Puljens størrelse (kr.)", message=s.MSG_POOL, help_text="Fx 123.100.000."
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_on"), data.get("end_on")
        if start and end and end < start:
            self.add_error("end_on", s.MSG_PERIOD)
        return data


class MunicipalityChoiceField(forms.ModelChoiceField[Municipality]):
    def label_from_instance(self, obj: Municipality) -> str:
        return f"{obj.name} ({obj.code})"


class ParticipationForm(forms.Form):
    grant = KronerField(label="Tilskud (kr.)", message=s.MSG_GRANT, help_text="Fx 11.200.000.")
    extra_staff = staff_field()
    staff_note = forms.CharField(
        label="Om de ekstra medarbejdere (valgfri)",
        required=False,
        max_length=300,
        help_text="Fx »2 psykologer og 1 tale-hørekonsulent«.",
    )

    def __init__(
        self, *args: Any, municipalities: QuerySet[Municipality] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            self.fields["municipality"] = MunicipalityChoiceField(
                queryset=municipalities,
                label="Kommune",
                empty_label="Vælg …",
                error_messages={
                    "required": s.MSG_MUNICIPALITY,
                    "invalid_choice": s.MSG_MUNICIPALITY,
                },
            )
            self.order_fields(["municipality", "grant", "extra_staff", "staff_note"])


class PlanForm(forms.Form):
    title = forms.CharField(
        label="Planens navn",
        max_length=200,
        help_text="Fx det lokale navn på projektet, »PPR på sporet«.",
        error_messages={"required": s.MSG_PLAN_TITLE},
    )
    ambition = text_field("Overordnet ambition", required=False, rows=4)
    analysis = text_field(
        "Lokal analyse",
        required=False,
        rows=6,
        help_text="Hvad viste den indledende analyse? Skriv ikke om enkelte børn.",
    )
    goals = text_field("Mål", required=False, rows=5, help_text="Ét mål pr. linje.")


class BenchmarkChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number}. {obj.title}"


class InterventionChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_level_display().lower()})"


def _multi(label: str, choices: Any, message: str, **kwargs: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": message, "invalid_choice": message},
        **kwargs,
    )


class InitiativeForm(forms.Form):
    title = forms.CharField(
        label="Initiativ", max_length=200, error_messages={"required": s.MSG_TITLE}
    )
    description = text_field("Beskrivelse", message=s.MSG_DESCRIPTION, rows=4)
    scope = forms.ChoiceField(
        label="Specifik eller generel",
        choices=Scope.choices,
        widget=forms.RadioSelect,
        help_text="Specifik: for børn, familier eller fagprofessionelle. Generel: udvikler "
        "organisationen eller den tværfaglige ramme.",
        error_messages={"required": s.MSG_SCOPE, "invalid_choice": s.MSG_SCOPE},
    )
    aimed_at = _multi("Rettet mod", AimedAt.choices, s.MSG_AIMED_AT)
    level = forms.ChoiceField(
        label="Niveau",
        choices=[("", "Ikke relevant (generelt initiativ)"), *Level.choices],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": s.MSG_LEVEL},
    )
    target_groups = _multi("Målgruppe", Target.choices, s.MSG_TARGETS)
    age_groups = _multi("Aldersgruppe", AgeGroup.choices, s.MSG_AGES)
    responsible = forms.CharField(
        label="Ansvarlig (funktion eller team)",
        max_length=150,
        help_text="Fx »PPR-leder« eller »Team Dagtilbud«; initiativer vises på tværs af "
        "kommuner, så skriv en funktion, ikke et navn.",
        error_messages={"required": s.MSG_RESPONSIBLE},
    )
    status = forms.ChoiceField(
        label="Status",
        choices=InitiativeStatus.choices,
        error_messages={"required": s.MSG_STATUS, "invalid_choice": s.MSG_STATUS},
    )

    def __init__(
        self,
        *args: Any,
        benchmarks: QuerySet[Benchmark],
        interventions: QuerySet[Intervention],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["benchmarks"] = BenchmarkChoiceField(
            queryset=benchmarks,
            label="Pejlemærker, initiativet tjener",
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": s.MSG_BENCHMARKS, "invalid_choice": s.MSG_BENCHMARKS},
        )
        self.fields["interventions"] = InterventionChoiceField(
            queryset=interventions,
            label="Indsatser fra indsatsvifte (valgfri)",
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="Initiativets resultater og omkostninger hentes fra forløbene, hvor "
            "indsatserne gives.",
            error_messages={"invalid_choice": s.MSG_INTERVENTIONS},
        )
        for n in range(1, MILESTONE_ROWS + 1):
            self.fields[f"milestone_{n}_title"] = forms.CharField(
                label=f"Ny milepæl {n} (valgfri)", required=False, max_length=200
            )
            self.fields[f"milestone_{n}_due_on"] = date_field(
                f"Dato for milepæl {n}", required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope, aims = data.get("scope"), data.get("aimed_at")
        if scope == Scope.SPECIFIC and "level" not in self.errors and not data.get("level"):
            self.add_error("level", s.MSG_LEVEL)
        if scope in AIMS_BY_SCOPE and aims and not set(aims) <= set(AIMS_BY_SCOPE[scope]):
            self.add_error("aimed_at", s.MSG_AIMED_AT_SCOPE)
        return data

    def new_milestones(self) -> list[tuple[str, Any]]:
        d = self.cleaned_data
        return [
            (d.get(f"milestone_{n}_title", ""), d.get(f"milestone_{n}_due_on"))
            for n in range(1, MILESTONE_ROWS + 1)
        ]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("milestone_")]

    def milestone_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"milestone_{n}_title"], self[f"milestone_{n}_due_on"])
            for n in range(1, MILESTONE_ROWS + 1)
        ]


class MilestoneForm(forms.Form):
    title = forms.CharField(
        label="Milepæl", max_length=200, error_messages={"required": s.MSG_MILESTONE_TITLE}
    )
    due_on = date_field("Dato", required_message=s.MSG_MILESTONE_DATE)
    done_on = date_field("Nået (valgfri)", required=False)


class OverviewFilterForm(forms.Form):
    """The overview's filters (GET). An unknown value is reported and not used."""

    pejlemaerke = forms.TypedChoiceField(label="Pejlemærke", required=False, coerce=int)
    kommune = forms.TypedChoiceField(label="Kommune", required=False, coerce=int)
    niveau = forms.ChoiceField(label="Niveau", required=False)
    art = forms.ChoiceField(
        label="Specifik/generel", required=False, choices=[("", "Alle"), *Scope.choices]
    )
    maalgruppe = forms.ChoiceField(
        label="Målgruppe", required=False, choices=[("", "Alle"), *Target.choices]
    )
    alder = forms.ChoiceField(
        label="Aldersgruppe", required=False, choices=[("", "Alle"), *AgeGroup.choices]
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Alle"), *InitiativeStatus.choices]
    )
    tekst = forms.CharField(label="Søg i navn og beskrivelse", required=False, max_length=100)

    def __init__(
        self,
        *args: Any,
        benchmarks: list[Benchmark],
        municipalities: list[Municipality],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices: dict[str, list[tuple[Any, str]]] = {
            "pejlemaerke": [(b.number, str(b)) for b in benchmarks],
            "kommune": [(m.pk, m.name) for m in municipalities],
            "niveau": list(Level.choices),
        }
        for name, values in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "Alle"), *values]
        for name in self.fields:
            self.fields[name].error_messages["invalid_choice"] = (
                "Ukendt valg; filteret er ikke brugt."
            )
