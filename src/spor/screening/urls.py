from django.urls import path

from spor.screening import views

# Object routes name their key `<model>_id`: the tenancy test walks every pattern.
app_name = "screening"
urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("ny/", views.round_create, name="round_create"),
    path("<id:screeninground_id>/", views.round_overview, name="round_overview"),
    path("<id:screeninground_id>/luk/", views.round_close, name="round_close"),
    path(
        "<id:screeninground_id>/institution/<id:institution_id>/",
        views.institution_overview,
        name="institution_overview",
    ),
    path("<id:screeninground_id>/opfoelgning/", views.follow_up, name="follow_up"),
    path("<id:screeninground_id>/foraeldre/", views.parent_notices, name="parent_notices"),
    path("<id:screeninground_id>/gruppe/<id:group_id>/", views.grid, name="grid"),
    path("barn/<id:child_id>/", views.child_screening, name="child_screening"),
    path(
        "samtykke/<id:consent_id>/tilbagekald/",
        views.consent_revoke,
        name="consent_revoke",
    ),
]
