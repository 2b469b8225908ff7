from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "spor.sso"
    verbose_name = "Log-ind"
