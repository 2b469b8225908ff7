from django.urls import path

from spor.evaluation.national import views as evaluation_views
from spor.programme import views

# Object routes name their key `<model>_id`: the tenancy test walks every pattern. Routes
# with `<programme_id>` are the programme administrator's (a national record).
app_name = "programme"
urlpatterns = [
    path("", views.index, name="index"),
    path("pejlemaerker/", views.framework, name="framework"),
    path("<id:programme_id>/", views.programme_detail, name="programme_detail"),
    path("<id:programme_id>/ret/", views.programme_update, name="programme_update"),
    path("<id:programme_id>/kommuner/ny/", views.participation_add, name="participation_add"),
    path(
        "<id:programme_id>/kommuner/<id:programmeparticipation_id>/",
        views.participation_update,
        name="participation_update",
    ),
    path(
        "<id:programme_id>/planer/<id:developmentplan_id>/",
        views.programme_plan,
        name="programme_plan",
    ),
    path("<id:programme_id>/initiativer/", views.initiative_overview, name="overview"),
    path("<id:programme_id>/initiativer.xlsx", views.initiative_export, name="overview_export"),
    # The programme evaluator's (and administrator's): aggregates, municipalities by pseudonym.
    path("<id:programme_id>/evaluering/", evaluation_views.evaluation, name="evaluation"),
    path("<id:programme_id>/maaling/", evaluation_views.survey, name="evaluation_survey"),
    path(
        "<id:programme_id>/evaluering.xlsx",
        evaluation_views.evaluation_xlsx,
        name="evaluation_xlsx",
    ),
    path(
        "<id:programme_id>/evaluering-csv.zip",
        evaluation_views.evaluation_csv,
        name="evaluation_csv",
    ),
    path(
        "deltagelse/<id:programmeparticipation_id>/udviklingsplan/",
        views.plan_create,
        name="plan_create",
    ),
    path("udviklingsplaner/<id:developmentplan_id>/", views.plan_detail, name="plan_detail"),
    path("udviklingsplaner/<id:developmentplan_id>/ret/", views.plan_update, name="plan_update"),
    path(
        "udviklingsplaner/<id:developmentplan_id>/initiativer/ny/",
        views.initiative_create,
        name="initiative_create",
    ),
    path("initiativer/<id:initiative_id>/", views.initiative_detail, name="initiative_detail"),
    path("initiativer/<id:initiative_id>/ret/", views.initiative_update, name="initiative_update"),
    path("milepaele/<id:milestone_id>/", views.milestone_update, name="milestone_update"),
]
