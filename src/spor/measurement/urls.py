from django.urls import path

from spor.measurement import views

# Object routes name their key `<model>_id`: the tenancy test walks every pattern.
app_name = "measurement"
urlpatterns = [
    path("ordlyd/", views.wording, name="wording"),
    path("indsats/<id:delivery_id>/", views.delivery_measurement, name="delivery"),
    path("indsats/<id:delivery_id>/send/", views.send, name="send"),
    path("indsats/<id:delivery_id>/papir/", views.paper, name="paper"),
    path(
        "link/<id:measurementrequest_id>/tilbagekald/",
        views.revoke,
        name="revoke",
    ),
]
