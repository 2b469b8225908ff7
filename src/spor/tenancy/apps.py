from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "spor.tenancy"
    verbose_name = "Kommuner"
