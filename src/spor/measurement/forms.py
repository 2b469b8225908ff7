"""Forms of the staff screens. They only read the input; the services check it and say in
Danish what to fix."""

from __future__ import annotations

from typing import Any

from django import forms

from spor.accounts.models import Membership
from spor.measurement import questionnaire, services
from spor.measurement.models import Informant, Phase
from spor.measurement.services import Recipient


class MemberChoice(forms.ModelChoiceField[Membership]):
    def label_from_instance(self, obj: Membership) -> str:
        name = obj.user.get_full_name() or obj.user.get_username()
        return f"{name} ({obj.get_profession_display().lower()})"


class SendForm(forms.Form):
    phase = forms.ChoiceField(choices=Phase.choices, widget=forms.HiddenInput)
    informants = forms.MultipleChoiceField(
        label="Informanter",
        choices=Informant.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    name_foraelder = forms.CharField(label="Forælderens navn", max_length=150, required=False)
    email_foraelder = forms.CharField(label="Forælderens e-mail", max_length=254, required=False)
    name_laerer = forms.CharField(label="Lærerens/pædagogens navn", max_length=150, required=False)
    email_laerer = forms.CharField(
        label="Lærerens/pædagogens e-mail", max_length=254, required=False
    )
    member_ppr_fagperson = MemberChoice(
        label="PPR-fagperson i teamet", queryset=Membership.objects.none(), required=False
    )
    name_barnet_selv = forms.CharField(label="Barnets navn", max_length=150, required=False)
    email_barnet_selv = forms.CharField(label="Barnets e-mail", max_length=254, required=False)

    def __init__(self, *args: Any, team: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if team is not None:
            self.fields["member_ppr_fagperson"].queryset = team  # type: ignore[attr-defined]
        for name in ("email_foraelder", "email_laerer", "email_barnet_selv"):
            self.fields[name].widget.input_type = "email"
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def recipients(self) -> list[Recipient]:
        d = self.cleaned_data
        out: list[Recipient] = []
        for informant in d.get("informants") or []:
            if informant == Informant.PROFESSIONAL:
                out.append(Recipient(informant, membership=d.get("member_ppr_fagperson")))
            else:
                out.append(
                    Recipient(
                        informant,
                        name=d.get(f"name_{informant}", ""),
                        email=d.get(f"email_{informant}", ""),
                    )
                )
        return out


class PaperForm(forms.Form):
    answered_on = forms.DateField(
        label="Besvaret (dato på papirskemaet)",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        required=False,
        error_messages={"invalid": "Skriv datoen som dd.mm.åååå."},
    )
    respondent_name = forms.CharField(
        label="Udfyldt af (navn, valgfrit)", max_length=150, required=False
    )


class WordingRemoveForm(forms.Form):
    """Which form's licensed wording to remove (the page's "Fjern" buttons)."""

    fjern = forms.ChoiceField(
        choices=[(f, f) for f in services.wording_forms()],
        error_messages={"invalid_choice": services.MSG_WORDING_FORM},
    )


class WordingForm(forms.Form):
    form = forms.ChoiceField(
        label="Skema",
        choices=[(f, questionnaire.form_label(f)) for f in services.wording_forms()],
        error_messages={
            "required": services.MSG_WORDING_FORM,
            "invalid_choice": services.MSG_WORDING_FORM,
        },
    )
    file = forms.FileField(
        label="Fil med ordlyden (JSON eller CSV)",
        help_text='Filen, kommunen har fået med sin licens. JSON: {"items": {"sdq1": "…"}}; '
        "CSV: kolonnerne key og text. Alle skemaets udsagn skal have en tekst.",
        error_messages={"required": services.MSG_WORDING_FILE, "empty": services.MSG_WORDING_FILE},
    )
    licence_note = forms.CharField(
        label="Kommunens licens fra youthinmind",
        max_length=200,
        help_text="Fx aftalens nummer og dato.",
        error_messages={"required": services.MSG_WORDING_LICENCE},
    )
