from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "spor.api"
    verbose_name = "API"

    def ready(self) -> None:
        # Registers the OpenAPI description of the token and session authentication.
        from spor.api import schema  # noqa: F401
