"""Notifications in Spor's screens, and each person's choice of which kinds also arrive by
e-mail.

A notification's text is generic on purpose ("Et spørgeskema er besvaret i forløb #12"):
it never names a child or holds a CPR number, because the person may later lose access to
the case or concern it points at. The link then answers 404 like any other page out of
reach, and the text has told nothing beyond a number.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from spor.tenancy.models import TenantModel


class Kind(models.TextChoices):
    OVERDUE = "opfoelgning", "Overskredet opfølgning"
    ANSWERED = "besvarelse", "Besvaret spørgeskema"
    CASE_MEMBER = "forloeb", "Tilføjet et forløb"
    CONCERN = "bekymring", "Ansvarlig for en bekymring"


class Notification(TenantModel):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="modtager",
    )
    kind = models.CharField("slags", max_length=20, choices=Kind.choices)
    text = models.CharField("tekst", max_length=300)
    link = models.CharField("link", max_length=300, blank=True)
    # What the notification is about, so that a daily job makes one per item and due date
    # (e.g. "concern:12:2026-11-30"); empty when repeats are allowed.
    key = models.CharField("nøgle", max_length=100, blank=True)
    created_at = models.DateTimeField("oprettet", default=timezone.now)
    read_at = models.DateTimeField("læst", null=True, blank=True)

    class Meta:
        verbose_name = "notifikation"
        verbose_name_plural = "notifikationer"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "recipient", "kind", "key"],
                condition=~Q(key=""),
                name="notification_once_per_key",
            )
        ]
        indexes = [models.Index(fields=["municipality", "recipient", "read_at"])]

    def __str__(self) -> str:
        return f"Notifikation {self.pk} ({self.get_kind_display()})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailPreference(TenantModel):
    """A person's choice for one kind: also send an e-mail, or only show it in Spor."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="bruger"
    )
    kind = models.CharField("slags", max_length=20, choices=Kind.choices)
    email = models.BooleanField("også som e-mail", default=False)

    class Meta:
        verbose_name = "valg af e-mail"
        verbose_name_plural = "valg af e-mail"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "user", "kind"], name="email_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"E-mailvalg {self.pk} ({self.kind})"
