from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "spor.ops"
    verbose_name = "Drift"
