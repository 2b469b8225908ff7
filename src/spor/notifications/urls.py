from django.urls import URLPattern, URLResolver, path

from spor.notifications import views

app_name = "notifications"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.notification_list, name="notification_list"),
    path("alle-laest/", views.notification_read_all, name="notification_read_all"),
    path("e-mail/", views.email_preferences, name="email_preferences"),
    path("<id:notification_id>/", views.notification_open, name="notification_open"),
    path("<id:notification_id>/laest/", views.notification_read, name="notification_read"),
]
