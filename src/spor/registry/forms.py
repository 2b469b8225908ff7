"""The children's and institutions' list searches: through Django fields (length, NUL
characters, a kind that exists)."""

from __future__ import annotations

from django import forms

from spor.lib.ids import parse_id
from spor.registry.models import Institution

MAX_QUERY = 100


class ChildSearchForm(forms.Form):
    q = forms.CharField(
        max_length=MAX_QUERY,
        required=False,
        error_messages={"max_length": f"Søg med højst {MAX_QUERY} tegn."},
    )
    # The key of the page to show (the list's own "Næste"/"Forrige" links): the id of the
    # child the page follows ("efter") or precedes ("foer"); see selectors.children_page.
    efter = forms.CharField(required=False, max_length=40)
    foer = forms.CharField(required=False, max_length=40)

    def _key(self, name: str) -> int | None:
        text = self.cleaned_data.get(name) or ""
        if not text:
            return None
        key = parse_id(text)
        if key is None:
            raise forms.ValidationError("Ugyldig side.")
        return key

    def clean_efter(self) -> int | None:
        return self._key("efter")

    def clean_foer(self) -> int | None:
        return self._key("foer")


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
