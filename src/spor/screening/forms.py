"""Forms that parse what people type; the rules live in :mod:`spor.screening.services`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils import timezone

from spor.registry.models import Institution
from spor.screening.models import Consent, ParentNotice, Recipient

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "Skriv en gyldig dato (dd-mm-åååå).", "required": "Angiv en dato."}


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


LEGAL_BASES = [
    "Barnets lov § 11 (underretning og tidlig indsats)",
    "Serviceloven § 49 b (udveksling af oplysninger i tidlig forebyggende indsats)",
    "Folkeskoleloven § 20 (pædagogisk-psykologisk vurdering)",
    "Dagtilbudsloven § 11 (børn med behov for særlig støtte)",
]


class RoundForm(forms.Form):
    name = forms.CharField(
        label="Navn",
        max_length=100,
        error_messages={"required": "Giv runden et navn."},
        help_text="Fx »Trivselsvurdering efterår 2026«.",
    )
    starts = forms.DateField(label="Fra", widget=DATE, error_messages=DATE_ERRORS)
    ends = forms.DateField(label="Til", widget=DATE, error_messages=DATE_ERRORS)
    scope = forms.ChoiceField(
        label="Hvem er med",
        choices=[
            ("alle", "Hele kommunen (alle grupper med børn nu)"),
            ("valgte", "Kun de valgte institutioner"),
        ],
        widget=forms.RadioSelect,
        initial="alle",
    )
    institutions = forms.TypedMultipleChoiceField(
        label="Institutioner",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, institutions: Iterable[Institution] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "institutions").choices = [(i.pk, i.name) for i in institutions]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == "valgte" and not data.get("institutions"):
            self.add_error("institutions", "Vælg mindst én institution.")
        return data


class NoticeForm(forms.Form):
    informed_on = forms.DateField(
        label="Forældrene blev informeret den", widget=DATE, error_messages=DATE_ERRORS
    )
    how = forms.ChoiceField(
        label="Hvordan",
        choices=ParentNotice.How.choices,
        error_messages={"required": "Vælg, hvordan forældrene blev informeret."},
    )
    note = forms.CharField(label="Note (valgfri)", max_length=300, required=False)
    group = forms.IntegerField(required=False, widget=forms.HiddenInput)
    institution = forms.TypedChoiceField(
        label="Institution", coerce=int, required=False, empty_value=None
    )
    whole_institution = forms.BooleanField(
        label="Gælder alle grupper i institutionen", required=False
    )

    def __init__(self, *args: Any, institutions: Iterable[Institution] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "institution").choices = [("", "—"), *[(i.pk, i.name) for i in institutions]]
        self.fields["informed_on"].initial = timezone.localdate()


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(
        label="Grundlag", choices=Consent.Kind.choices, widget=forms.RadioSelect
    )
    recipient = forms.ChoiceField(label="Må deles med", choices=Recipient.choices)
    institution = forms.TypedChoiceField(
        label="Modtagende institution (kun ved institution)",
        coerce=int,
        required=False,
        empty_value=None,
    )
    given_by = forms.CharField(
        label="Givet af (navn og relation)",
        max_length=150,
        required=False,
        help_text="Ved samtykke, fx »Mor, Anne Hansen«.",
    )
    legal_basis = forms.CharField(
        label="Lovhjemmel",
        max_length=200,
        required=False,
        help_text="Ved lovhjemmel. Vælg et forslag eller skriv selv.",
        widget=forms.TextInput(attrs={"list": "hjemler"}),
    )
    valid_from = forms.DateField(label="Gælder fra", widget=DATE, error_messages=DATE_ERRORS)
    valid_to = forms.DateField(
        label="Gælder til (valgfri)", widget=DATE, required=False, error_messages=DATE_ERRORS
    )

    def __init__(self, *args: Any, institutions: Iterable[Institution] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "institution").choices = [("", "—"), *[(i.pk, i.name) for i in institutions]]
        self.fields["valid_from"].initial = timezone.localdate()
        self.fields["recipient"].initial = Recipient.PPR
        self.fields["kind"].initial = Consent.Kind.CONSENT
