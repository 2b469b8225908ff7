from django.urls import path

from spor.survey import views

app_name = "survey"
urlpatterns = [
    path("", views.index, name="index"),
    path("aabn/", views.open_round, name="open"),
    path("<id:surveyround_id>/", views.round_detail, name="round"),
    path("<id:surveyround_id>/luk/", views.close_round, name="close"),
    path("<id:surveyround_id>/selvvurdering/", views.self_assessment, name="self_assessment"),
]
