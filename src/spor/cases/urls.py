from django.urls import path

from spor.cases import views

# Object routes name their key `<model>_id`: the tenancy test walks every pattern.
app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("nyt/", views.case_create, name="case_create"),
    path("indsatsvifte/", views.intervention_list, name="intervention_list"),
    path("indsatsvifte/ny/", views.intervention_create, name="intervention_create"),
    path(
        "indsatsvifte/<id:intervention_id>/",
        views.intervention_detail,
        name="intervention_detail",
    ),
    path(
        "indsatsvifte/<id:intervention_id>/ret/",
        views.intervention_update,
        name="intervention_update",
    ),
    path("<id:case_id>/", views.case_detail, name="case_detail"),
    path("<id:case_id>/team/", views.member_add, name="member_add"),
    path("<id:case_id>/tovholder/", views.coordinator_change, name="coordinator_change"),
    path("<id:case_id>/deltagere/", views.participant_add, name="participant_add"),
    path("<id:case_id>/maal/", views.goal_add, name="goal_add"),
    path("<id:case_id>/moeder/", views.meeting_add, name="meeting_add"),
    path("<id:case_id>/notat/", views.note_add, name="note_add"),
    path("<id:case_id>/indsatser/", views.delivery_add, name="delivery_add"),
    path("<id:case_id>/afslut/", views.case_close, name="case_close"),
    path("team/<id:casemember_id>/stop/", views.member_leave, name="member_leave"),
    path("maal/<id:goal_id>/", views.goal_update, name="goal_update"),
    path("indsatser/<id:delivery_id>/", views.delivery_update, name="delivery_update"),
]
