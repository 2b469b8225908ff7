from django.urls import path

from spor.concerns import views

# Object routes name their key `<model>_id`: the tenancy test walks every pattern.
app_name = "concerns"
urlpatterns = [
    path("", views.concern_list, name="concern_list"),
    path("ny/", views.concern_create, name="concern_create"),
    path("personer/", views.person_search, name="person_search"),
    path("forfaldne/", views.overdue_list, name="overdue_list"),
    path("forfaldne/personer/", views.overdue_people, name="overdue_people"),
    path(
        "forfaldne/personer/<id:membership_id>/",
        views.overdue_person,
        name="overdue_person",
    ),
    path("forfaldne/enheder/", views.overdue_units, name="overdue_units"),
    path(
        "forfaldne/enheder/<id:institution_id>/",
        views.overdue_unit,
        name="overdue_unit",
    ),
    path("barn/<id:child_id>/", views.child_concerns, name="child_concerns"),
    path("<id:concern_id>/", views.concern_detail, name="concern_detail"),
    path("<id:concern_id>/notat/", views.concern_note, name="concern_note"),
    path("<id:concern_id>/status/", views.concern_state, name="concern_state"),
    path("<id:concern_id>/ansvarlig/", views.concern_responsible, name="concern_responsible"),
    path("<id:concern_id>/opfoelgning/", views.concern_follow_up, name="concern_follow_up"),
    path("<id:concern_id>/luk/", views.concern_close, name="concern_close"),
]
