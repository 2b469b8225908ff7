from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "spor.audit"
    verbose_name = "Adgangslog"
