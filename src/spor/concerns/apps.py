from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "spor.concerns"
    verbose_name = "Bekymringer"
