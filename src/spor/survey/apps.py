from django.apps import AppConfig


class SurveyConfig(AppConfig):
    name = "spor.survey"
    verbose_name = "Organisationsmåling"
