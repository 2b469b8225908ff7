from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenancyConfig(AppConfig):
    name = "spor.tenancy"
    verbose_name = "Kommuner"

    def ready(self) -> None:
        from spor.tenancy import checks, grants

        del checks  # registers the system checks
        post_migrate.connect(grants.after_migrate, sender=self)
