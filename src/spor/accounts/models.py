from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from spor.tenancy.models import TenantModel


class User(AbstractUser):
    """A person who logs in. What they may see comes from their memberships."""

    class Meta:
        verbose_name = "bruger"
        verbose_name_plural = "brugere"


class Role(models.TextChoices):
    PPR = "ppr", "PPR-medarbejder"
    LEAD = "leder", "PPR-leder"
    EDUCATOR = "paedagogisk", "Lærer/pædagog"
    HEALTH_VISITOR = "sundhedsplejerske", "Sundhedsplejerske"
    SOCIAL_WORKER = "socialraadgiver", "Socialrådgiver"


class Profession(models.TextChoices):
    PSYCHOLOGIST = "psykolog", "Psykolog"
    SPEECH = "tale_hoere", "Tale-hørekonsulent"
    PEDAGOGICAL = "paed_konsulent", "Pædagogisk konsulent"
    PHYSIO = "fysioterapeut", "Fysio-/ergoterapeut"
    TEACHER = "laerer", "Lærer"
    PEDAGOGUE = "paedagog", "Pædagog"
    HEALTH_VISITOR = "sundhedsplejerske", "Sundhedsplejerske"
    SOCIAL_WORKER = "socialraadgiver", "Socialrådgiver"
    LEADER = "leder", "Leder"
    OTHER = "andet", "Andet"


class Membership(TenantModel):
    """A person's role in one municipality. One membership per person and municipality."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("rolle", max_length=20, choices=Role.choices)
    profession = models.CharField(
        "faggruppe", max_length=20, choices=Profession.choices, default=Profession.OTHER
    )
    active = models.BooleanField("aktiv", default=True)

    class Meta:
        verbose_name = "rolle i kommune"
        verbose_name_plural = "roller i kommuner"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "user"], name="membership_one_per_municipality"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} ({self.municipality_id})"


class GroupAssignment(TenantModel):
    """A teacher or pedagogue linked to a group (stue/klasse) they work with."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="group_assignments"
    )
    group = models.ForeignKey(
        "registry.Group", on_delete=models.CASCADE, related_name="staff_assignments"
    )

    class Meta:
        verbose_name = "tilknytning til gruppe"
        verbose_name_plural = "tilknytninger til grupper"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "membership", "group"], name="group_assignment_unique"
            )
        ]
