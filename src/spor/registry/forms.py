"""The children's and institutions' list searches: through Django fields (length, NUL
characters, a kind that exists)."""

from __future__ import annotations

from django import forms

from spor.registry.models import Institution

MAX_QUERY = 100


class ChildSearchForm(forms.Form):
    q = forms.CharField(
        max_length=MAX_QUERY,
        required=False,
        error_messages={"max_length": f"Søg med højst {MAX_QUERY} tegn."},
    )


class InstitutionSearchForm(forms.Form):
    q = forms.CharField(
        max_length=MAX_QUERY,
        required=False,
        error_messages={"max_length": f"Søg med højst {MAX_QUERY} tegn."},
    )
    type = forms.ChoiceField(
        required=False,
        choices=[("", "Alle typer"), *Institution.Kind.choices],
        error_messages={"invalid_choice": "Vælg en af typerne på listen."},
    )
