"""The lead's table of job functions: one row saved or deleted at a time. The posted
values pass through Django's fields first (length, NUL characters, the choices)."""

from __future__ import annotations

from django import forms

from spor.accounts.models import Profession, Role

MSG_NAME = "Skriv stillingsbetegnelsen (højst 150 tegn)."


class JobFunctionForm(forms.Form):
    job_function = forms.CharField(
        max_length=150, error_messages={"required": MSG_NAME, "max_length": MSG_NAME}
    )
    role = forms.ChoiceField(
        choices=[("", "Ingen adgang"), *Role.choices],
        required=False,
        error_messages={"invalid_choice": "Vælg en rolle, eller »ingen adgang«."},
    )
    profession = forms.ChoiceField(
        choices=[("", ""), *Profession.choices],
        required=False,
        error_messages={"invalid_choice": "Vælg en faggruppe."},
    )
    action = forms.ChoiceField(choices=[("", ""), ("delete", "Slet")], required=False)
