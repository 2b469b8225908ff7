from django.apps import AppConfig


class OrgsyncConfig(AppConfig):
    name = "spor.orgsync"
    verbose_name = "Organisationsimport"
