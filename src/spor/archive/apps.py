from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "spor.archive"
    verbose_name = "Arkiv og sletning"
