"""API tokens: one per integration, in one municipality, with scopes.

Only a SHA-256 hash of the secret is stored; the secret is shown once, when the token is
made. Each token acts through its own service identity (a user that cannot log in and an
inactive membership in the municipality), so that the access log and the follow-up logs
say which integration read or changed a record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from spor.tenancy.models import TenantModel


class ApiToken(TenantModel):
    name = models.CharField("navn", max_length=100)
    scopes = models.JSONField("rettigheder", default=list)
    prefix = models.CharField("nøglens begyndelse", max_length=12)
    token_hash = models.CharField("SHA-256 af nøglen", max_length=64, unique=True)
    service_membership = models.OneToOneField(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="api_token",
        verbose_name="integrationens rolle",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="oprettet af",
    )
    created_at = models.DateTimeField("oprettet", default=timezone.now)
    last_used = models.DateTimeField("senest brugt", null=True, blank=True)
    revoked = models.BooleanField("tilbagekaldt", default=False)
    revoked_at = models.DateTimeField("tilbagekaldt den", null=True, blank=True)

    class Meta:
        verbose_name = "API-nøgle"
        verbose_name_plural = "API-nøgler"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="api_token_name_unique")
        ]

    def __str__(self) -> str:
        return f"API-nøgle {self.name}"

    @property
    def is_active(self) -> bool:
        return not self.revoked
