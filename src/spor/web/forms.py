from __future__ import annotations

from typing import Any

from django import forms


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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("fra"), data.get("til")
        if start and end and end < start:
            raise forms.ValidationError("Til-datoen skal ligge efter fra-datoen.")
        return data
