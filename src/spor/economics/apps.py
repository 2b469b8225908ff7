from django.apps import AppConfig


class EconomicsConfig(AppConfig):
    name = "spor.economics"
    verbose_name = "Økonomi"
