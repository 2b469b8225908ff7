"""A URL configuration with a view that fails with a CPR number in its exception, to show
that the error page does not repeat it."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def failing(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("kunne ikke finde barn 150318-4123")


urlpatterns = [path("fejl/", failing)]
