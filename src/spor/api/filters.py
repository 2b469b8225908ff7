"""Query filters for the lists (django-filter). Ids are whole numbers within the database's
range; a value outside it is a 400 with a Danish message, never a database error. The
querysets are already scoped by the selectors: a filter only narrows them."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from spor.cases.models import Case, Delivery, DeliveryStatus, Intervention, InterventionType, Level
from spor.cases.models import Status as CaseStatus
from spor.concerns.models import Category, Concern, State
from spor.measurement.models import Informant, Phase, Response
from spor.registry.models import Child, Enrolment, Group, Institution
from spor.registry.selectors import current_on
from spor.screening.models import ScreeningRound

MAX_ID = 2**53
MSG_ID = "Angiv et id som et helt tal fra 1."
MSG_CHOICE = "Vælg en af de gyldige værdier."
MSG_DATE = "Skriv datoen som åååå-mm-dd, fx 2026-01-31."


class IdField(forms.IntegerField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("error_messages", {})
        for key in ("invalid", "min_value", "max_value"):
            kwargs["error_messages"].setdefault(key, MSG_ID)
        super().__init__(*args, **kwargs)


class IdFilter(df.NumberFilter):
    field_class = IdField


class IntFilter(df.NumberFilter):
    field_class = forms.IntegerField


def choice(choices: Any, field_name: str | None = None) -> df.ChoiceFilter:
    kwargs: dict[str, Any] = {"choices": choices, "error_messages": {"invalid_choice": MSG_CHOICE}}
    if field_name:
        kwargs["field_name"] = field_name
    return df.ChoiceFilter(**kwargs)


def date(field_name: str, lookup: str) -> df.DateFilter:
    return df.DateFilter(
        field_name=field_name, lookup_expr=lookup, error_messages={"invalid": MSG_DATE}
    )


class InstitutionFilter(df.FilterSet):
    kind = choice(Institution.Kind.choices)
    name = df.CharFilter(lookup_expr="icontains", max_length=150)

    class Meta:
        model = Institution
        fields: list[str] = []


class GroupFilter(df.FilterSet):
    institution = IdFilter(field_name="institution_id")
    school_year = IntFilter(min_value=1900, max_value=2200)
    grade = IntFilter(min_value=0, max_value=20)

    class Meta:
        model = Group
        fields: list[str] = []


class ChildFilter(df.FilterSet):
    sex = choice(Child.Sex.choices)
    born_from = date("birth_date", "gte")
    born_to = date("birth_date", "lte")
    group = IdFilter(method="in_group", help_text="Børn indskrevet i gruppen i dag.")

    class Meta:
        model = Child
        fields: list[str] = []

    def in_group(self, qs: QuerySet[Child], name: str, value: int) -> QuerySet[Child]:
        enrolled = Enrolment.objects.filter(
            current_on(timezone.localdate()),
            municipality_id=OuterRef("municipality_id"),
            child=OuterRef("pk"),
            group_id=value,
        )
        return qs.filter(Exists(enrolled))


class ScreeningRoundFilter(df.FilterSet):
    status = choice(ScreeningRound.Status.choices)

    class Meta:
        model = ScreeningRound
        fields: list[str] = []


class ConcernFilter(df.FilterSet):
    state = choice(State.choices)
    category = choice(Category.choices)
    child = IdFilter(field_name="child_id")
    group = IdFilter(field_name="group_id")
    responsible = IdFilter(field_name="responsible_id")
    follow_up_from = date("follow_up_on", "gte")
    follow_up_to = date("follow_up_on", "lte")

    class Meta:
        model = Concern
        fields: list[str] = []


class CaseFilter(df.FilterSet):
    status = choice(CaseStatus.choices)
    level = choice(Level.choices)
    child = IdFilter(field_name="child_id")
    opened_from = date("opened_on", "gte")
    opened_to = date("opened_on", "lte")

    class Meta:
        model = Case
        fields: list[str] = []


class InterventionFilter(df.FilterSet):
    level = choice(Level.choices)
    kind = choice(InterventionType.choices)
    active = df.BooleanFilter()

    class Meta:
        model = Intervention
        fields: list[str] = []


class DeliveryFilter(df.FilterSet):
    case = IdFilter(field_name="case_id")
    intervention = IdFilter(field_name="intervention_id")
    status = choice(DeliveryStatus.choices)

    class Meta:
        model = Delivery
        fields: list[str] = []


class ResultFilter(df.FilterSet):
    delivery = IdFilter(field_name="delivery_id")
    case = IdFilter(field_name="delivery__case_id")
    phase = choice(Phase.choices)
    informant = choice(Informant.choices)

    class Meta:
        model = Response
        fields: list[str] = []
