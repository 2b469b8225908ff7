"""What Spor remembers of the organisation system: each unit's and person's uuid there, so
that importing the next export updates instead of duplicating, and ends what has gone.
Also the municipality's own job-function mapping and the uploads waiting for the
PPR-leder's confirmation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from spor.tenancy.models import TenantModel


class ExternalUnit(TenantModel):
    uuid = models.CharField("uuid i organisationssystemet", max_length=36)
    name = models.CharField("navn", max_length=150)
    unit_type = models.CharField("enhedstype", max_length=60)
    parent_uuid = models.CharField("overordnet (uuid)", max_length=36, blank=True)
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="institution",
    )
    group = models.ForeignKey(
        "registry.Group",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="gruppe",
    )
    seen_at = models.DateTimeField("sidst i en import", default=timezone.now)

    class Meta:
        verbose_name = "enhed fra organisationssystemet"
        verbose_name_plural = "enheder fra organisationssystemet"
        constraints = [
            models.UniqueConstraint(fields=["municipality", "uuid"], name="external_unit_unique")
        ]

    def __str__(self) -> str:
        return f"Enhed {self.uuid}"


class ExternalPerson(TenantModel):
    uuid = models.CharField("uuid i organisationssystemet", max_length=36)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="bruger"
    )
    # Group assignments this import made (ids), so it ends only its own, never one made
    # by hand.
    managed_group_ids = models.JSONField("grupper tilknyttet af importen", default=list)
    engagements = models.JSONField("engagementer ved sidste import", default=list)
    seen_at = models.DateTimeField("sidst i en import", default=timezone.now)

    class Meta:
        verbose_name = "person fra organisationssystemet"
        verbose_name_plural = "personer fra organisationssystemet"
        constraints = [
            models.UniqueConstraint(fields=["municipality", "uuid"], name="external_person_unique")
        ]

    def __str__(self) -> str:
        return f"Person {self.uuid}"


class JobFunctionMapping(TenantModel):
    """The municipality's own rule for a job function: a role and profession, or (empty
    role) "do not give this job function access to Spor"."""

    job_function = models.CharField("stilling", max_length=150)
    key = models.CharField("nøgle", max_length=150, editable=False)
    role = models.CharField("rolle", max_length=20, blank=True)
    profession = models.CharField("faggruppe", max_length=20, blank=True)

    class Meta:
        verbose_name = "stilling"
        verbose_name_plural = "stillinger"
        ordering = ["job_function"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="job_function_unique")
        ]

    def __str__(self) -> str:
        return self.job_function


class OrgImport(TenantModel):
    """An uploaded, checked export waiting for confirmation (and, once confirmed, what it
    did). The data holds units, persons and engagements – never CPR numbers, since a file
    with them is refused before this is made."""

    file_name = models.CharField("fil", max_length=200)
    file_format = models.CharField("format", max_length=10)
    data = models.JSONField("indhold")
    warnings = models.JSONField("bemærkninger", default=list)
    created_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="indlæst af",
    )
    created_at = models.DateTimeField("indlæst", default=timezone.now)
    applied_at = models.DateTimeField("gennemført", null=True, blank=True)
    summary = models.JSONField("resultat", default=list)

    class Meta:
        verbose_name = "organisationsimport"
        verbose_name_plural = "organisationsimporter"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Organisationsimport {self.pk}"
