from django.urls import path

from spor.sso import views

app_name = "sso"
urlpatterns = [
    path("start/", views.oidc_start, name="start"),
    path("callback/", views.oidc_callback, name="callback"),
    path("totp/", views.totp, name="totp"),
    path("totp/opsaet/", views.totp_enrol, name="totp_enrol"),
]
