from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "spor.cases"
    verbose_name = "Forløb og indsatser"
