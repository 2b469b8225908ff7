"""The public one-time-link routes (no login). Their argument is a token, not an object id,
so the tenancy URL walk skips this namespace; tests/measurement covers them."""

from django.urls import path

from spor.measurement import public_views

app_name = "measurement_public"
urlpatterns = [
    path("tak/", public_views.thanks, name="thanks"),
    path("<str:token>/", public_views.answer, name="answer"),
]
