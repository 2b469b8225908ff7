from django.urls import URLPattern, URLResolver, path

from spor.ops import views

app_name = "ops"
urlpatterns: list[URLPattern | URLResolver] = [
    path("ping/", views.ping, name="ping"),
    path("ping/aktoer/", views.actor_ping, name="actor_ping"),
    path("health/", views.health, name="health"),
]
