from django.urls import path

from spor.evaluation_web import views

app_name = "evaluation"
urlpatterns = [
    path("", views.municipality, name="municipality"),
]
