from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "spor.web"
    verbose_name = "Skærmbilleder"
