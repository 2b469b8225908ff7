"""Forms for the case and catalogue screens. They check what the person typed and say in
Danish what to fix; the services check the same rules again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from spor.accounts.models import Membership, Profession
from spor.cases import kle
from spor.cases import services as s
from spor.cases.matching import NEEDS
from spor.cases.models import (
    CLOSE_FIELDS,
    PEJLEMAERKER,
    SPECIALISED_KINDS,
    START_FIELDS,
    DeliveryStatus,
    GoalStatus,
    Intervention,
    InterventionType,
    KnowledgeBase,
    Level,
    Outcome,
    Relation,
    Target,
)
from spor.concerns.forms import (
    DateInput,
    NoEchoTextInput,
    add_person_field,
    clean_person_field,
)

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y"]
MSG_DATE_INVALID = "Skriv datoen som dd.mm.åååå, fx 24.12.2026."


def date_field(
    label: str, *, required: bool = True, help_text: str = "", required_message: str = ""
) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        help_text=help_text,
        error_messages={
            "required": required_message or s.MSG_DATE_MISSING,
            "invalid": MSG_DATE_INVALID,
        },
        input_formats=DATE_FORMATS,
    )


def text_field(
    label: str, *, required: bool = True, message: str = "", rows: int = 3, help_text: str = ""
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
        error_messages={"required": message or "Udfyld feltet."},
    )


class PersonChoiceField(forms.ModelChoiceField[Any]):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.user.get_full_name() or obj.user.get_username()
        return f"{name} ({obj.get_profession_display().lower()})"


def team_choices(team: list[Membership], *fields: forms.Field) -> None:
    """Give the case page's people selects the team read once: a model choice field reads its
    queryset again each time it is drawn. The options are the same (value, label) pairs, in
    the queryset's order; a posted form is still checked against the queryset."""
    for field in fields:
        assert isinstance(field, PersonChoiceField)
        field.choices = [(m.pk, field.label_from_instance(m)) for m in team]


def _not_past(day: dt.date | None) -> dt.date | None:
    if day is not None and day < timezone.localdate():
        raise forms.ValidationError(s.MSG_FOLLOW_UP_PAST)
    return day


# --------------------------------------------------------------------------- case


class CaseForm(forms.Form):
    """A new case. With ``ask_cpr`` the child is found by CPR number (typed, never shown
    again); otherwise the view gives the child, the group or the concern."""

    cpr = forms.CharField(
        label="Barnets CPR-nummer",
        required=False,
        max_length=20,
        widget=NoEchoTextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="Nummeret sendes ikke i adresselinjen og gemmes ikke i forløbet.",
    )
    title = forms.CharField(
        label="Titel",
        max_length=200,
        error_messages={"required": s.MSG_TITLE},
        help_text="Kort, fx »Trivsel og fravær« eller »Uro i 3.A«. Skriv ikke CPR-numre.",
    )
    level = forms.ChoiceField(
        label="Niveau",
        choices=Level.choices,
        widget=forms.RadioSelect,
        error_messages={"required": s.MSG_LEVEL, "invalid_choice": s.MSG_LEVEL},
    )
    # A CharField, not a ChoiceField, so that a wrong number gets KLE's own Danish message.
    kle_number = forms.CharField(
        label="KLE-emnenummer",
        max_length=20,
        required=False,
        widget=forms.Select(choices=kle.choices()),
        help_text="Emnet efter KL's Emnesystematik; arkivet og sletteregler finder forløbet "
        "ved det.",
    )
    opened_on = date_field("Startdato", help_text="I dag eller tidligere.")

    def __init__(
        self,
        *args: Any,
        staff: QuerySet[Membership],
        ask_cpr: bool,
        about_child: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # A name to type, with suggestions: not a select of every member of staff (thousands
        # in a big municipality). Filled in with the person opening the case.
        add_person_field(self, staff, "Tovholder", field="coordinator", message=s.MSG_STAFF)
        self.fields["coordinator_name"].help_text = (
            "Du kommer selv med i teamet. Vælger du en anden som tovholder, kommer "
            "vedkommende også med."
        )
        if ask_cpr:
            self.fields["cpr"].required = True
            self.fields["cpr"].error_messages["required"] = "Skriv barnets CPR-nummer."
        else:
            del self.fields["cpr"]
        if about_child or ask_cpr:
            for (_, label), name in zip(SPECIALISED_KINDS, START_FIELDS, strict=True):
                self.fields[name] = forms.BooleanField(label=label, required=False)

    @property
    def specialised_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in START_FIELDS if name in self.fields]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in START_FIELDS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clean_person_field(self, data, field="coordinator", message=s.MSG_STAFF)
        return data

    def clean_opened_on(self) -> dt.date | None:
        day = self.cleaned_data.get("opened_on")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(s.MSG_OPENED_FUTURE)
        return day

    def clean_kle_number(self) -> str:
        value = self.cleaned_data.get("kle_number") or ""
        if not value.strip():  # left out (an older form or a script): the default subject
            return kle.default()
        try:
            return kle.check(value)
        except kle.KLEError as exc:
            raise forms.ValidationError(str(exc)) from exc


class MemberForm(forms.Form):
    role = forms.CharField(
        label="Rolle i forløbet",
        max_length=100,
        error_messages={"required": s.MSG_MEMBER_ROLE},
        help_text="Fx »Samtaler med barnet«, »Klasselærer«, »Kontakt til familien«.",
    )

    def __init__(self, *args: Any, staff: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A name to type, with suggestions: not a list of every member of staff.
        add_person_field(
            self,
            staff,
            "Person",
            field="membership",
            message=s.MSG_MEMBER_OTHER_MUNICIPALITY,
        )
        self.order_fields(["membership_name", "membership", "role", "basis", "basis_note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clean_person_field(self, data, field="membership", message=s.MSG_MEMBER_OTHER_MUNICIPALITY)
        return data

    basis = forms.ChoiceField(
        label="Grundlag for at dele oplysningerne (for personer uden for PPR)",
        required=False,
        choices=[
            ("", "Personen er i PPR"),
            ("Samtykke fra forældremyndigheden", "Samtykke fra forældremyndigheden"),
            ("Hjemmel i lovgivningen", "Hjemmel i lovgivningen"),
        ],
        help_text="En lærer, pædagog, sundhedsplejerske eller socialrådgiver i teamet ser hele "
        "forløbet: barnets navn, mål, møder, deltagere, indsatser, SDQ-målinger og "
        "forløbets log. En sundhedsplejerske eller socialrådgiver ser også barnets position i "
        "trivselsvurderingen: grundlaget registreres som samtykke eller hjemmel for deres "
        "enhed. Det kræver forældremyndighedens samtykke eller hjemmel i lovgivningen.",
    )
    basis_note = forms.CharField(
        label="Samtykket eller hjemlen (valgfri)",
        required=False,
        max_length=200,
        help_text="Fx »Mor og far, mundtligt 02.12.2026« eller »Servicelovens § 49 b«.",
    )

    def basis_text(self) -> str:
        basis, note = self.cleaned_data.get("basis", ""), self.cleaned_data.get("basis_note", "")
        return f"{basis} ({note.strip()})" if basis and note.strip() else basis


class CoordinatorForm(forms.Form):
    def __init__(self, *args: Any, team: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"] = PersonChoiceField(
            queryset=team,
            label="Ny tovholder",
            empty_label=None,
            error_messages={
                "required": s.MSG_COORDINATOR_NOT_MEMBER,
                "invalid_choice": s.MSG_COORDINATOR_NOT_MEMBER,
            },
        )


class ParticipantForm(forms.Form):
    name = forms.CharField(
        label="Navn", max_length=150, error_messages={"required": s.MSG_PARTICIPANT_NAME}
    )
    relation = forms.ChoiceField(
        label="Relation",
        choices=[("", "Vælg …"), *Relation.choices],
        error_messages={"required": s.MSG_RELATION, "invalid_choice": s.MSG_RELATION},
    )
    contact = forms.CharField(
        label="Kontakt (valgfri)",
        required=False,
        max_length=200,
        help_text="Telefon eller e-mail, hvis det er aftalt.",
    )


class GoalForm(forms.Form):
    text = text_field("Mål", message=s.MSG_GOAL_TEXT, help_text="Som aftalt med barn og familie.")
    child_words = text_field(
        "Med barnets egne ord",
        required=False,
        rows=2,
        help_text="Hvad barnet selv siger om målet, fx »Jeg vil have nogen at lege med«.",
    )
    follow_up_on = date_field(
        "Opfølgningsdato", help_text="I dag eller senere.", required_message=s.MSG_FOLLOW_UP_MISSING
    )

    def __init__(self, *args: Any, team: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"] = PersonChoiceField(
            queryset=team,
            label="Ansvarlig",
            empty_label=None,
            error_messages={
                "required": s.MSG_GOAL_RESPONSIBLE,
                "invalid_choice": s.MSG_GOAL_RESPONSIBLE,
            },
        )
        self.order_fields(["text", "child_words", "responsible", "follow_up_on"])

    def clean_follow_up_on(self) -> dt.date | None:
        return _not_past(self.cleaned_data.get("follow_up_on"))


class GoalUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=GoalStatus.choices,
        error_messages={"required": s.MSG_GOAL_STATUS, "invalid_choice": s.MSG_GOAL_STATUS},
    )
    follow_up_on = date_field("Næste opfølgning", required_message=s.MSG_FOLLOW_UP_MISSING)
    note = text_field("Bemærkning (valgfri)", required=False, rows=2)

    def __init__(self, *args: Any, current_follow_up: dt.date | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.current_follow_up = current_follow_up

    def clean_follow_up_on(self) -> dt.date | None:
        day = self.cleaned_data.get("follow_up_on")
        if day == self.current_follow_up:
            return day
        return _not_past(day)


class MeetingForm(forms.Form):
    held_on = date_field("Dato for mødet", help_text="I dag eller tidligere.")
    participants = text_field(
        "Deltagere", message=s.MSG_MEETING_PARTICIPANTS, rows=2, help_text="Navne og roller."
    )
    decisions = text_field("Beslutninger", message=s.MSG_MEETING_DECISIONS)
    next_steps = text_field("Næste skridt (valgfri)", required=False, rows=2)

    def clean_held_on(self) -> dt.date | None:
        day = self.cleaned_data.get("held_on")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(s.MSG_MEETING_FUTURE)
        return day


class NoteForm(forms.Form):
    text = text_field("Notat", message=s.MSG_NOTE)


# --------------------------------------------------------------------------- deliveries


HOURS_FIELDS = [(f"hours_{p}", p, label) for p, label in Profession.choices]


class DeliveryForm(forms.Form):
    start = date_field("Start", required_message=s.MSG_START_MISSING)
    end = date_field("Slut (valgfri)", required=False, help_text="Tom, så længe indsatsen løber.")
    status = forms.ChoiceField(
        label="Status",
        choices=DeliveryStatus.choices,
        error_messages={"required": s.MSG_DELIVERY_STATUS, "invalid_choice": s.MSG_DELIVERY_STATUS},
    )
    note = text_field("Bemærkning (valgfri)", required=False, rows=2)

    def __init__(
        self, *args: Any, interventions: QuerySet[Intervention] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if interventions is not None:
            self.fields["intervention"] = forms.ModelChoiceField(
                queryset=interventions,
                label="Indsats",
                empty_label="Vælg …",
                error_messages={
                    "required": s.MSG_INTERVENTION,
                    "invalid_choice": s.MSG_INTERVENTION,
                },
            )
        for name, _, label in HOURS_FIELDS:
            self.fields[name] = forms.DecimalField(
                label=label,
                required=False,
                min_value=Decimal(0),
                max_value=s.MAX_HOURS,
                decimal_places=1,
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
                error_messages={
                    "invalid": s.MSG_HOURS,
                    "min_value": s.MSG_HOURS,
                    "max_value": s.MSG_HOURS,
                    "max_decimal_places": s.MSG_HOURS,
                    "max_digits": s.MSG_HOURS,
                },
            )
        order = ["intervention"] if interventions is not None else []
        self.order_fields([*order, "start", "end", "status", "note"])

    @property
    def hours_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _, _ in HOURS_FIELDS]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        hours = {name for name, _, _ in HOURS_FIELDS}
        return [self[name] for name in self.fields if name not in hours]

    def hours(self) -> dict[str, Decimal | None]:
        return {p: self.cleaned_data.get(name) for name, p, _ in HOURS_FIELDS}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", s.MSG_END_BEFORE_START)
        elif (
            data.get("status") == DeliveryStatus.FINISHED
            and end is None
            and "end" not in self.errors
        ):
            self.add_error("end", s.MSG_FINISHED_NEEDS_END)
        return data


# --------------------------------------------------------------------------- closing


YES_NO = [("ja", "Ja"), ("nej", "Nej")]


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Udfald",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": s.MSG_OUTCOME, "invalid_choice": s.MSG_OUTCOME},
    )
    closed_on = date_field("Afslutningsdato", help_text="I dag eller tidligere.")
    note = text_field("Afsluttende bemærkning (valgfri)", required=False)

    def __init__(self, *args: Any, about_child: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if about_child:
            for (_, label), name in zip(SPECIALISED_KINDS, CLOSE_FIELDS, strict=True):
                message = s.MSG_CLOSE_FLAG.format(what=label.lower())
                self.fields[name] = forms.TypedChoiceField(
                    label=label,
                    choices=YES_NO,
                    coerce=lambda v: v == "ja",
                    widget=forms.RadioSelect,
                    error_messages={"required": message, "invalid_choice": message},
                )
        self.order_fields(["outcome", "closed_on", *CLOSE_FIELDS, "note"])

    @property
    def specialised_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in CLOSE_FIELDS if name in self.fields]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in CLOSE_FIELDS]

    def specialised(self) -> dict[str, bool | None]:
        return {name: self.cleaned_data.get(name) for name in CLOSE_FIELDS}

    def clean_closed_on(self) -> dt.date | None:
        day = self.cleaned_data.get("closed_on")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(s.MSG_CLOSED_FUTURE)
        return day


# --------------------------------------------------------------------------- catalogue


class InterventionForm(forms.Form):
    name = forms.CharField(label="Navn", max_length=150, error_messages={"required": s.MSG_NAME})
    description = text_field("Beskrivelse", message=s.MSG_DESCRIPTION, rows=4)
    level = forms.ChoiceField(
        label="Niveau",
        choices=Level.choices,
        widget=forms.RadioSelect,
        error_messages={"required": s.MSG_LEVEL, "invalid_choice": s.MSG_LEVEL},
    )
    kind = forms.ChoiceField(
        label="Type",
        choices=InterventionType.choices,
        widget=forms.RadioSelect,
        help_text="Den nationale evaluerings typologi.",
        error_messages={"required": s.MSG_KIND, "invalid_choice": s.MSG_KIND},
    )
    targets = forms.MultipleChoiceField(
        label="Målgruppe",
        choices=Target.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": s.MSG_TARGETS, "invalid_choice": s.MSG_TARGETS},
    )
    min_age = forms.IntegerField(
        label="Fra alder (år)",
        min_value=0,
        max_value=25,
        error_messages={
            "required": s.MSG_AGE_RANGE,
            "invalid": s.MSG_AGE_RANGE,
            "min_value": s.MSG_AGE_RANGE,
            "max_value": s.MSG_AGE_RANGE,
        },
    )
    max_age = forms.IntegerField(
        label="Til alder (år)",
        min_value=0,
        max_value=25,
        error_messages={
            "required": s.MSG_AGE_RANGE,
            "invalid": s.MSG_AGE_RANGE,
            "min_value": s.MSG_AGE_RANGE,
            "max_value": s.MSG_AGE_RANGE,
        },
    )
    provider = forms.CharField(
        label="Udbyder",
        max_length=150,
        initial="PPR",
        help_text="»PPR« eller navnet på en anden enhed i kommunen, fx »Familiehuset«.",
        error_messages={"required": s.MSG_PROVIDER},
    )
    expected_hours = forms.DecimalField(
        label="Forventede timer i alt",
        min_value=Decimal(0),
        max_digits=6,
        decimal_places=1,
        localize=True,
        error_messages={
            "required": s.MSG_EXPECTED,
            "invalid": s.MSG_EXPECTED,
            "min_value": s.MSG_EXPECTED,
        },
    )
    expected_weeks = forms.IntegerField(
        label="Forventet varighed (uger)",
        min_value=0,
        max_value=520,
        error_messages={
            "required": s.MSG_EXPECTED,
            "invalid": s.MSG_EXPECTED,
            "min_value": s.MSG_EXPECTED,
            "max_value": s.MSG_EXPECTED,
        },
    )
    knowledge_base = forms.ChoiceField(
        label="Vidensgrundlag",
        choices=KnowledgeBase.choices,
        widget=forms.RadioSelect,
        error_messages={"required": s.MSG_KNOWLEDGE, "invalid_choice": s.MSG_KNOWLEDGE},
    )
    knowledge_note = forms.CharField(
        label="Om vidensgrundlaget (valgfri)",
        required=False,
        max_length=300,
        help_text="Fx hvilken metode indsatsen er inspireret af, og om den er evalueret lokalt.",
    )
    pejlemaerker = forms.TypedMultipleChoiceField(
        label="Pejlemærker",
        required=False,
        coerce=int,
        choices=[(n, f"{n}. {title}") for n, title in PEJLEMAERKER.items()],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": s.MSG_PEJLEMAERKER},
    )
    needs = forms.MultipleChoiceField(
        label="Behovsområder",
        required=False,
        choices=list(NEEDS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="Hvad indsatsen hjælper med. Spor foreslår indsatser efter barnets behov: "
        "bekymringen, trivselsvurderingen og SDQ.",
        error_messages={"invalid_choice": s.MSG_NEEDS},
    )
    active = forms.BooleanField(
        label="Aktiv (kan iværksættes i forløb)", required=False, initial=True
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error("max_age", s.MSG_AGES)
        return data
