from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "spor.screening"
    verbose_name = "Trivselsvurdering"
