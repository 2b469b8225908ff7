from django.urls import URLPattern, URLResolver

app_name = "economics"
urlpatterns: list[URLPattern | URLResolver] = []
