from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "spor.accounts"
    verbose_name = "Brugere og roller"
