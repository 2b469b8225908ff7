from django.apps import AppConfig


class MeasurementConfig(AppConfig):
    name = "spor.measurement"
    verbose_name = "Måling (SDQ før/efter)"

    def ready(self) -> None:
        from spor.measurement import checks  # noqa: F401  (registers the norm-set check)
