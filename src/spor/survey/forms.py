"""The lead's two forms: a new round and the self-assessment of a pejlemærke. Every posted
value passes through a Django field first (length, NUL characters, digits), so that what
reaches the services, and the database, is text and numbers of the right size."""

from __future__ import annotations

from django import forms

from spor.survey.models import Level, SurveyRound

MAX_NAME = SurveyRound._meta.get_field("name").max_length
MAX_NOTE = 2000


class OpenRoundForm(forms.Form):
    name = forms.CharField(
        max_length=MAX_NAME,
        required=False,
        error_messages={"max_length": f"Rundens navn må højst være {MAX_NAME} tegn."},
    )
    closes_on = forms.DateField(
        required=False, error_messages={"invalid": "Angiv, hvornår runden lukker."}
    )


class SelfAssessmentForm(forms.Form):
    benchmark = forms.TypedChoiceField(
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        error_messages={
            "required": "Vælg et pejlemærke fra 1 til 5.",
            "invalid_choice": "Vælg et pejlemærke fra 1 til 5.",
        },
    )
    level = forms.ChoiceField(
        choices=Level.choices,
        error_messages={
            "required": "Vælg niveauet lav, middel eller høj.",
            "invalid_choice": "Vælg niveauet lav, middel eller høj.",
        },
    )
    note = forms.CharField(
        max_length=MAX_NOTE,
        required=False,
        error_messages={"max_length": f"Noten må højst være {MAX_NOTE} tegn."},
    )
