from django.apps import AppConfig


class MeasurementConfig(AppConfig):
    name = "spor.measurement"
    verbose_name = "Måling (SDQ før/efter)"
