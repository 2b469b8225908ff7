"""Forms for the concern screens. They check what the person typed and say in Danish what to
fix; the services check the same rules again."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from spor.accounts.models import Membership, Role
from spor.concerns import services as s
from spor.concerns.models import OPEN_STATES, Category, Outcome, State


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class NoEchoTextInput(forms.TextInput):
    """A text input that never writes its value back into the page (for CPR numbers)."""

    def format_value(self, value: Any) -> str | None:
        return None


ROLE_ORDER = [Role.PPR, Role.LEAD, Role.EDUCATOR, Role.HEALTH_VISITOR, Role.SOCIAL_WORKER]


class StaffChoiceField(forms.ModelChoiceField):
    """A select of staff grouped by role, PPR first; a name that occurs twice also shows the
    user name, so that two Anne Nielsens can be told apart."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.user.get_full_name() or obj.user.get_username()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.widget.choices = self.grouped_choices  # a callable: read when rendered

    def grouped_choices(self) -> list[tuple[str, list[tuple[int, str]]]]:
        people = list(self.queryset) if self.queryset is not None else []
        seen = Counter(self.label_from_instance(m) for m in people)
        groups: dict[str, list[tuple[int, str]]] = {role: [] for role in ROLE_ORDER}
        for m in people:
            label = self.label_from_instance(m)
            if seen[label] > 1:
                label = f"{label} ({m.user.get_username()})"
            groups.setdefault(m.role, []).append((m.pk, label))
        return [(Role(role).label, items) for role, items in groups.items() if items]


def _date_field(
    label: str, required: bool = True, help_text: str = "", required_message: str = ""
) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        help_text=help_text,
        error_messages={
            "required": required_message or "Angiv en dato.",
            "invalid": "Skriv datoen som dd.mm.åååå, fx 24.12.2026.",
        },
        input_formats=["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y"],
    )


def _responsible_field(staff: QuerySet[Membership]) -> StaffChoiceField:
    return StaffChoiceField(
        queryset=staff,
        label="Ansvarlig",
        empty_label=None,
        error_messages={"required": s.MSG_RESPONSIBLE, "invalid_choice": s.MSG_RESPONSIBLE},
    )


def _check_not_past(day: dt.date | None) -> dt.date | None:
    if day is not None and day < timezone.localdate():
        raise forms.ValidationError(s.MSG_FOLLOW_UP_PAST)
    return day


class ConcernForm(forms.Form):
    """A new concern. With ``ask_cpr`` the child is found by CPR number (typed, never shown
    again); otherwise the view gives the child or the group."""

    cpr = forms.CharField(
        label="Barnets CPR-nummer",
        required=False,
        max_length=20,
        widget=NoEchoTextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="Barnet skal være registreret i kommunen. Nummeret sendes ikke i "
        "adresselinjen og gemmes ikke i bekymringen.",
    )
    description = forms.CharField(
        label="Hvad er du bekymret for?",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": s.MSG_DESCRIPTION},
        help_text="Beskriv det, du har set og hørt. Skriv ikke CPR-numre.",
    )
    category = forms.ChoiceField(
        label="Kategori",
        choices=[("", "Vælg …"), *Category.choices],
        error_messages={"required": s.MSG_CATEGORY, "invalid_choice": s.MSG_CATEGORY},
    )
    follow_up_on = _date_field(
        "Opfølgningsdato",
        help_text="Hvornår skal bekymringen følges op? I dag eller senere.",
        required_message=s.MSG_FOLLOW_UP_MISSING,
    )

    def __init__(
        self, *args: Any, staff: QuerySet[Membership], ask_cpr: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"] = _responsible_field(staff)
        self.fields["responsible"].help_text = "Den, der sørger for, at bekymringen følges op."
        self.ask_cpr = ask_cpr
        if ask_cpr:
            self.fields["cpr"].required = True
            self.fields["cpr"].error_messages["required"] = "Skriv barnets CPR-nummer."
        else:
            del self.fields["cpr"]
        self.order_fields(["cpr", "description", "category", "responsible", "follow_up_on"])

    def clean_follow_up_on(self) -> dt.date | None:
        return _check_not_past(self.cleaned_data.get("follow_up_on"))


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Notat",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": s.MSG_NOTE},
    )


def _optional_text(label: str = "Bemærkning (valgfri)") -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class StateForm(forms.Form):
    state = forms.ChoiceField(
        label="Ny status",
        choices=[(v, State(v).label) for v in OPEN_STATES],
        error_messages={"required": s.MSG_STATE, "invalid_choice": s.MSG_STATE},
    )
    text = _optional_text()


class ResponsibleForm(forms.Form):
    text = _optional_text()

    def __init__(self, *args: Any, staff: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"] = _responsible_field(staff)
        self.fields["responsible"].label = "Ny ansvarlig"
        self.order_fields(["responsible", "text"])


class FollowUpForm(forms.Form):
    follow_up_on = _date_field(
        "Ny opfølgningsdato",
        help_text="I dag eller senere.",
        required_message=s.MSG_FOLLOW_UP_MISSING,
    )
    text = _optional_text("Begrundelse (valgfri)")

    def clean_follow_up_on(self) -> dt.date | None:
        return _check_not_past(self.cleaned_data.get("follow_up_on"))


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Udfald",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": s.MSG_OUTCOME, "invalid_choice": s.MSG_OUTCOME},
    )
    underretning_on = _date_field(
        "Dato for underretning",
        required=False,
        help_text="Kun ved udfaldet underretning: den dag, underretningen blev sendt. "
        "Spor registrerer den; selve underretningen sendes ad kommunens sædvanlige vej.",
    )
    text = _optional_text("Afsluttende bemærkning (valgfri)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome = data.get("outcome")
        day = data.get("underretning_on")
        if "underretning_on" in self.errors:
            return data
        if outcome == Outcome.NOTIFICATION:
            if day is None:
                self.add_error("underretning_on", s.MSG_UNDERRETNING_DATE)
            elif day > timezone.localdate():
                self.add_error("underretning_on", s.MSG_UNDERRETNING_FUTURE)
        elif outcome and day is not None:
            self.add_error("underretning_on", s.MSG_UNDERRETNING_ONLY)
        return data
