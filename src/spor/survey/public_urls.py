"""The survey's public one-time-link routes (no login). Their argument is a token, so the
tenancy URL walk checks only that a forged one finds nothing; tests/survey covers the rest."""

from django.urls import path

from spor.survey import public_views

app_name = "survey_public"
urlpatterns = [
    path("tak/", public_views.thanks, name="thanks"),
    path("<str:token>/", public_views.answer, name="answer"),
]
