from django.urls import URLPattern, URLResolver, path

from spor.orgsync import views

app_name = "orgsync"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.orgsync_upload, name="upload"),
    path("stillinger/", views.job_functions, name="job_functions"),
    path("<id:orgimport_id>/", views.orgimport_detail, name="orgimport_detail"),
    path("<id:orgimport_id>/godkend/", views.orgimport_confirm, name="orgimport_confirm"),
]
