from django.urls import URLPattern, URLResolver

app_name = "orgsync"
urlpatterns: list[URLPattern | URLResolver] = []
