from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_outcome_triggers(*, using: str, plan: Any = None, **kwargs: Any) -> None:
    """After ``migrate`` (not after a test's flush, which passes no plan): the local
    outcomes' triggers as this code makes them (:func:`spor.measurement.outcomes.ensure`)."""
    if plan is None:
        return
    from django.db import connections

    from spor.measurement import outcomes

    outcomes.ensure(connections[using])


class MeasurementConfig(AppConfig):
    name = "spor.measurement"
    verbose_name = "Måling (SDQ før/efter)"

    def ready(self) -> None:
        from spor.measurement import checks  # noqa: F401  (registers the norm-set check)

        post_migrate.connect(_ensure_outcome_triggers, sender=self)
