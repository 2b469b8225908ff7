"""The login's query parameters, through Django's fields before any database look-up."""

from __future__ import annotations

from django import forms

MSG_MUNICIPALITY = "Adressen peger ikke på en kommune. Vælg din kommune på login-siden."


class StartForm(forms.Form):
    """``/log-ind/sso/start/?kommune=901``: a municipality's three-digit code."""

    kommune = forms.RegexField(
        regex=r"\A[0-9]{3}\Z",
        error_messages={"required": MSG_MUNICIPALITY, "invalid": MSG_MUNICIPALITY},
    )
