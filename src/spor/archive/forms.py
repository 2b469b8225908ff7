"""Forms of the archive screens: they say in Danish what to fix; the services check the
same rules again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from spor.archive.models import ACCESS_LOG_MIN_MONTHS, MAX_MONTHS, Disposal, RecordType
from spor.archive.services import MSG_DISPOSAL, MSG_HOLD_REFERENCE, MSG_MONTHS, MSG_RECORD_TYPE
from spor.cases import kle
from spor.concerns.forms import DateInput

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y"]
MSG_DATE = "Skriv datoen som dd.mm.åååå, fx 31.12.2026."
MSG_CASE_ID = "Skriv forløbets nummer (det står i adressen på forløbets side), fx 42."
MSG_PERIOD = "Slutdatoen kan ikke ligge før startdatoen. Ret en af datoerne."


class RuleForm(forms.Form):
    record_type = forms.ChoiceField(
        label="Slags oplysninger",
        choices=RecordType.choices,
        error_messages={"required": MSG_RECORD_TYPE, "invalid_choice": MSG_RECORD_TYPE},
    )
    kle_number = forms.CharField(
        label="KLE-emnenummer",
        required=False,
        max_length=20,
        widget=forms.Select(choices=[("", "Alle emnenumre"), *kle.choices()]),
        help_text="Kun for forløb og SDQ-besvarelser. En regel for ét emnenummer går forud "
        "for reglen for alle.",
    )
    months = forms.IntegerField(
        label="Opbevares i (måneder)",
        min_value=1,
        max_value=MAX_MONTHS,
        help_text="Regnes fra forløbets eller bekymringens afslutning, trivselsrundens "
        "slutdato (trivselsvurderinger og forældreinformation), besvarelsens dato, den dag "
        "samtykket blev tilbagekaldt eller udløb, barnets sidste udskrivning eller "
        "logpostens tidspunkt. Barnets stamdata slettes først, når barnet ikke har flere "
        f"forløb, bekymringer eller trivselsvurderinger. Adgangsloggen opbevares i mindst "
        f"{ACCESS_LOG_MIN_MONTHS} måneder.",
        error_messages={
            "required": MSG_MONTHS,
            "invalid": MSG_MONTHS,
            "min_value": MSG_MONTHS,
            "max_value": MSG_MONTHS,
        },
    )
    disposal = forms.ChoiceField(
        label="Derefter",
        choices=Disposal.choices,
        error_messages={"required": MSG_DISPOSAL, "invalid_choice": MSG_DISPOSAL},
    )


class HoldForm(forms.Form):
    case_id = forms.IntegerField(
        label="Forløb nr.",
        min_value=1,
        error_messages={"required": MSG_CASE_ID, "invalid": MSG_CASE_ID, "min_value": MSG_CASE_ID},
    )
    reference = forms.CharField(
        label="Arkivaflevering",
        max_length=200,
        help_text="Fx »Aflevering 2027 til Stadsarkivet«.",
        error_messages={"required": MSG_HOLD_REFERENCE},
    )


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DateInput(),
        input_formats=DATE_FORMATS,
        error_messages={"required": "Angiv en dato.", "invalid": MSG_DATE},
    )


class ExportForm(forms.Form):
    closed_from = _date("Forløb afsluttet fra")
    closed_to = _date("til og med")
    with_cpr = forms.BooleanField(
        label="Medtag børnenes CPR-numre",
        required=False,
        help_text="Kun hvis arkivet kræver dem. Uden CPR-numre er børnene identificeret ved "
        "navn og fødselsdato.",
    )
    hold_reference = forms.CharField(
        label="Hold forløbene til arkivafleveringen",
        required=False,
        max_length=200,
        help_text="Skriv afleveringens navn, så slettes forløbene ikke, før arkivet har "
        "bekræftet modtagelsen og holdet er frigivet. Tomt: intet hold.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: dt.date | None = data.get("closed_from")
        end: dt.date | None = data.get("closed_to")
        if start and end and end < start:
            self.add_error("closed_to", MSG_PERIOD)
        return data
