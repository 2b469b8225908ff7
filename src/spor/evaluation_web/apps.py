from django.apps import AppConfig


class EvaluationWebConfig(AppConfig):
    name = "spor.evaluation_web"
    verbose_name = "Evaluering"
