from django.urls import path

from spor.evaluation.web import report_views, views

app_name = "evaluation"
urlpatterns = [
    path("", views.municipality, name="municipality"),
    path("rapport/", report_views.report_create, name="report_create"),
    path("rapporter/<id:reportjob_id>/", report_views.report_status, name="report_status"),
    path("rapporter/<id:reportjob_id>/hent/", report_views.report_download, name="report_download"),
]
