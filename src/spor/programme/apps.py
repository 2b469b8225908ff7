from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "spor.programme"
    verbose_name = "Partnerskab og pejlemærker"
