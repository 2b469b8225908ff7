"""A municipality's login broker, the people it has logged in, and the log of logins.

The broker's client secret is not stored here: it is read from the environment
(``SPOR_OIDC_CLIENT_SECRET_<kommunenummer>``), like Spor's other keys, so that it stays out
of the database, its backups and its dumps, and is rotated where the other secrets are.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from spor.accounts.models import Role
from spor.tenancy.models import TenantModel

DEFAULT_SCOPES = "openid profile email"


class OidcProvider(TenantModel):
    """The municipality's OpenID Connect broker (Keycloak, OS2faktor, NemLog-in, …) and how
    its claims map to the municipality and to Spor's roles."""

    label = models.CharField(
        "navn på knappen",
        max_length=100,
        default="Log ind med kommunens login (MitID Erhverv)",
    )
    issuer = models.URLField(
        "udsteder (issuer)",
        help_text="Discovery-dokumentet hentes fra <issuer>/.well-known/openid-configuration.",
    )
    client_id = models.CharField("klient-id", max_length=200)
    scopes = models.CharField("scopes", max_length=300, default=DEFAULT_SCOPES)
    municipality_claim = models.CharField(
        "claim for kommune",
        max_length=100,
        blank=True,
        help_text="Tom: alle brokerens brugere hører til kommunen. Ellers skal claimet "
        "have værdien nedenfor (fx kommunenummer eller CVR), når brokeren deles.",
    )
    municipality_value = models.CharField("værdi for kommunen", max_length=100, blank=True)
    role_claim = models.CharField("claim for roller", max_length=100, default="roles")
    role_map = models.JSONField(
        "roller",
        default=dict,
        help_text='Claim-værdi → Spor-rolle, fx {"spor-ppr": "ppr", "spor-leder": "leder"}.',
    )
    active = models.BooleanField("aktiv", default=True)

    class Meta:
        verbose_name = "login-broker (OIDC)"
        verbose_name_plural = "login-brokere (OIDC)"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality"], name="oidc_provider_one_per_municipality"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer} ({self.municipality_id})"

    def clean(self) -> None:
        roles = set(Role.values)
        if not isinstance(self.role_map, dict) or not all(
            isinstance(k, str) and v in roles for k, v in self.role_map.items()
        ):
            raise ValidationError(
                {
                    "role_map": "Skriv et JSON-objekt fra claim-værdi til en af rollerne: "
                    + ", ".join(sorted(roles))
                }
            )
        if bool(self.municipality_claim) != bool(self.municipality_value):
            raise ValidationError(
                {
                    "municipality_value": "Angiv både claim og værdi for kommunen, "
                    "eller ingen af dem."
                }
            )
        if "openid" not in self.scopes.split():
            raise ValidationError({"scopes": "Scopes skal indeholde 'openid'."})

    @property
    def client_secret(self) -> str:
        secrets: dict[str, str] = getattr(settings, "SPOR_OIDC_CLIENT_SECRETS", {})
        return secrets.get(self.municipality.code, "")


class OidcIdentity(TenantModel):
    """A person as the broker knows them: issuer and ``sub``, never the e-mail address,
    which people change and brokers reuse."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities"
    )
    issuer = models.CharField("udsteder", max_length=300)
    subject = models.CharField("sub", max_length=255)
    last_login = models.DateTimeField("seneste login", default=timezone.now)

    class Meta:
        verbose_name = "OIDC-identitet"
        verbose_name_plural = "OIDC-identiteter"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "issuer", "subject"], name="oidc_identity_unique"
            )
        ]


class LoginMethod(models.TextChoices):
    PASSWORD = "adgangskode", "Brugernavn og adgangskode"
    TOTP = "totp", "Engangskode (TOTP)"
    OIDC = "oidc", "Kommunens login (OIDC)"


class LoginOutcome(models.TextChoices):
    SUCCESS = "ok", "Logget ind"
    NO_ROLE = "ingen_rolle", "Afvist: ingen rolle i Spor"
    WRONG_CODE = "forkert_kode", "Forkert engangskode"
    ENROLLED = "tilmeldt", "Engangskode-app tilmeldt"


class LoginEvent(TenantModel):
    """One login, or refused login, of a person in a municipality. Append-only; no CPR."""

    at = models.DateTimeField("tidspunkt", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name="bruger",
    )
    subject = models.CharField("sub hos brokeren", max_length=255, blank=True)
    method = models.CharField("metode", max_length=12, choices=LoginMethod.choices)
    outcome = models.CharField("udfald", max_length=12, choices=LoginOutcome.choices)
    source = models.GenericIPAddressField("fra adresse", null=True, blank=True)

    class Meta:
        verbose_name = "login"
        verbose_name_plural = "log over logins"
        ordering = ["-at", "-id"]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("Loginloggen kan ikke ændres.")
        super().save(*args, **kwargs)
