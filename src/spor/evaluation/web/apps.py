from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_version_triggers(*, using: str, plan: Any = None, **kwargs: Any) -> None:
    """After ``migrate`` (not after a test's flush, which passes no plan): the data version's
    triggers as this code makes them (:func:`spor.evaluation.web.versions.ensure`)."""
    if plan is None:
        return
    from django.db import connections

    from spor.evaluation.web import versions

    versions.ensure(connections[using])


class EvaluationWebConfig(AppConfig):
    """The municipality's evaluation page and its reports. The app moved into
    :mod:`spor.evaluation`; its label (tables, migrations) stays ``evaluation_web``."""

    name = "spor.evaluation.web"
    label = "evaluation_web"
    verbose_name = "Evaluering"

    def ready(self) -> None:
        from spor.evaluation.web.services import connect_outcome_cells

        connect_outcome_cells()
        post_migrate.connect(_ensure_version_triggers, sender=self)
