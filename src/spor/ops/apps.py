from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "spor.ops"
    verbose_name = "Drift"

    def ready(self) -> None:
        from spor.ops import (
            checks,  # noqa: F401  (registers the deploy checks)
            key_checks,  # noqa: F401 (registers the deploy check)
        )
