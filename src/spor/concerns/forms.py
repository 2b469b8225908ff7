"""Forms for the concern screens. They check what the person typed and say in Danish what to
fix; the services check the same rules again."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from spor.accounts.models import Membership, Role
from spor.concerns import selectors as sel
from spor.concerns import services as s
from spor.concerns.models import OPEN_STATES, Category, Outcome, State
from spor.registry.models import Child, Group


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class NoEchoTextInput(forms.TextInput):
    """A text input that never writes its value back into the page (for CPR numbers)."""

    def format_value(self, value: Any) -> str | None:
        return None


ROLE_ORDER = [Role.PPR, Role.LEAD, Role.EDUCATOR, Role.HEALTH_VISITOR, Role.SOCIAL_WORKER]


class StaffChoiceField(forms.ModelChoiceField[Membership]):
    """A select of staff grouped by role, PPR first; a name that occurs twice also shows the
    user name, so that two Anne Nielsens can be told apart."""

    def label_from_instance(self, obj: Membership) -> str:
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


MSG_SUBJECT = "Vælg barnet eller gruppen, bekymringen handler om."
MSG_NOBODY = "Ingen aktiv medarbejder i kommunen passer på »{text}«. Skriv navnet, fx Anne Nielsen."
MSG_SEVERAL = "Flere medarbejdere passer på »{text}«: {names}. Skriv hele navnet, som det står her."


def add_person_field(
    form: forms.Form,
    staff: QuerySet[Membership],
    label: str,
    *,
    field: str = "responsible",
    message: str = s.MSG_RESPONSIBLE,
) -> None:
    """A person of ``staff`` as a name to type (searched, without hundreds of names in the
    page) and, once chosen from the suggestions, the person's id in the hidden ``field``;
    the name is in ``<field>_name``. :func:`clean_person_field` reads them."""
    form.staff = staff  # type: ignore[attr-defined]
    form.fields[field] = forms.ModelChoiceField(
        queryset=staff,
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": message},
    )
    form.fields[f"{field}_name"] = forms.CharField(
        label=label,
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "data-person-search": reverse("concerns:person_search"),
                "placeholder": "Skriv et navn",
            }
        ),
    )
    chosen = form.initial.get(field)
    if chosen and not form.initial.get(f"{field}_name"):
        person = chosen if isinstance(chosen, Membership) else staff.filter(pk=chosen).first()
        if person is not None:
            form.initial[field] = person.pk
            form.initial[f"{field}_name"] = sel.person_label(person)


def clean_person_field(
    form: forms.Form,
    data: dict[str, Any],
    *,
    field: str = "responsible",
    message: str = s.MSG_RESPONSIBLE,
) -> None:
    """The person the form names: the one chosen (hidden id) if the name still reads as
    theirs; otherwise the one the typed name finds. Errors go on the visible field."""
    name = f"{field}_name"
    if field in form.errors:
        form.errors.pop(field)
        form.add_error(name, message)
        return
    person: Membership | None = data.get(field)
    text = (data.get(name) or "").strip()
    if text and (person is None or text != sel.person_label(person)):
        found = sel.search_people(form.staff, text, limit=6)  # type: ignore[attr-defined]
        if len(found) == 1:
            person = found[0]
        elif not found:
            form.add_error(name, MSG_NOBODY.format(text=text))
            return
        else:
            names = "; ".join(sel.person_label(m) for m in found[:5])
            form.add_error(name, MSG_SEVERAL.format(text=text, names=names))
            return
    if person is None:
        form.add_error(name, message)
        return
    data[field] = person


def _add_responsible(form: forms.Form, staff: QuerySet[Membership], label: str) -> None:
    add_person_field(form, staff, label)


def _clean_responsible(form: forms.Form, data: dict[str, Any]) -> None:
    clean_person_field(form, data)


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
    # A new key each time the empty form is shown; sent twice, it makes one concern.
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        staff: QuerySet[Membership],
        ask_cpr: bool,
        subjects: list[tuple[Group, list[Child]]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.subjects: dict[str, Child | Group] = {}
        if subjects is not None:
            # A teacher chooses among the children of her own groups (or a whole group);
            # she has no CPR numbers and is never asked for one.
            ask_cpr = False
            choices: list[Any] = [("", "Vælg …")]
            for g, children in subjects:
                options = [(f"barn-{c.pk}", c.full_name) for c in children]
                options.append((f"gruppe-{g.pk}", f"Hele {g.name} (børnefællesskabet)"))
                choices.append((f"{g.name}, {g.institution.name}", options))
                self.subjects.update({f"barn-{c.pk}": c for c in children})
                self.subjects[f"gruppe-{g.pk}"] = g
            self.fields["subject"] = forms.ChoiceField(
                label="Hvem handler bekymringen om?",
                choices=choices,
                help_text="Børnene i dine egne grupper, og grupperne selv.",
                error_messages={"required": MSG_SUBJECT, "invalid_choice": MSG_SUBJECT},
            )
        _add_responsible(self, staff, "Ansvarlig")
        self.fields[
            "responsible_name"
        ].help_text = (
            "Den, der sørger for, at bekymringen følges op. Skriv navnet og vælg blandt forslagene."
        )
        self.ask_cpr = ask_cpr
        if ask_cpr:
            self.fields["cpr"].required = True
            self.fields["cpr"].error_messages["required"] = "Skriv barnets CPR-nummer."
        else:
            del self.fields["cpr"]
        self.order_fields(
            [
                "subject",
                "cpr",
                "description",
                "category",
                "responsible_name",
                "responsible",
                "follow_up_on",
                "submission",
            ]
        )

    def clean_follow_up_on(self) -> dt.date | None:
        return _check_not_past(self.cleaned_data.get("follow_up_on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _clean_responsible(self, data)
        return data

    def chosen_subject(self) -> tuple[Child | None, Group | None]:
        """The child or group chosen in ``subject`` (None, None without that field)."""
        chosen = self.subjects.get(self.cleaned_data.get("subject") or "")
        if isinstance(chosen, Child):
            return chosen, None
        return None, chosen


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
        _add_responsible(self, staff, "Ny ansvarlig")
        self.order_fields(["responsible_name", "responsible", "text"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _clean_responsible(self, data)
        return data


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


class PersonSearchForm(forms.Form):
    """The "Ansvarlig" field's suggestions: ``?q=`` through a field (length, NUL)."""

    q = forms.CharField(
        max_length=100,
        required=False,
        error_messages={"max_length": "Søg med højst 100 tegn."},
    )
