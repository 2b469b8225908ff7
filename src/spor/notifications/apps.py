from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "spor.notifications"
    verbose_name = "Notifikationer"
