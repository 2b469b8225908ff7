from django.apps import AppConfig


class EvaluationWebConfig(AppConfig):
    """The municipality's evaluation page and its reports. The app moved into
    :mod:`spor.evaluation`; its label (tables, migrations) stays ``evaluation_web``."""

    name = "spor.evaluation.web"
    label = "evaluation_web"
    verbose_name = "Evaluering"

    def ready(self) -> None:
        from spor.evaluation.web.services import connect_outcome_cells

        connect_outcome_cells()
