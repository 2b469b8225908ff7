"""The children list's name search: through a Django field (length, NUL characters)."""

from __future__ import annotations

from django import forms

MAX_QUERY = 100


class ChildSearchForm(forms.Form):
    q = forms.CharField(
        max_length=MAX_QUERY,
        required=False,
        error_messages={"max_length": f"Søg med højst {MAX_QUERY} tegn."},
    )
