from __future__ import annotations

from typing import Any

from django import forms

from spor.web.transitions import Cursor


class TransitionWindowForm(forms.Form):
    fra = forms.DateField(
        label="Fra",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    til = forms.DateField(
        label="Til",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    # The key of the page to show: "efter" the older page's, "foer" the newer page's
    # (``transitions.Cursor``), as the page's own links give them.
    efter = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    foer = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def _cursor(self, name: str) -> Cursor | None:
        text = self.cleaned_data.get(name) or ""
        if not text:
            return None
        cursor = Cursor.parse(text)
        if cursor is None:
            raise forms.ValidationError("Ugyldig side.")
        return cursor

    def clean_efter(self) -> Cursor | None:
        return self._cursor("efter")

    def clean_foer(self) -> Cursor | None:
        return self._cursor("foer")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("fra"), data.get("til")
        if start and end and end < start:
            raise forms.ValidationError("Til-datoen skal ligge efter fra-datoen.")
        return data
