from __future__ import annotations

from django.db import models


class Municipality(models.Model):
    """The tenant. Every record about a person belongs to exactly one municipality."""

    code = models.CharField("kommunenummer", max_length=3, unique=True)
    name = models.CharField("navn", max_length=100, unique=True)

    class Meta:
        verbose_name = "kommune"
        verbose_name_plural = "kommuner"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenantModel(models.Model):
    """Base of every table that holds municipality data.

    The municipality column is what the scoped selectors filter on, what PostgreSQL's
    row-level-security policy checks, and the distribution column on Citus
    (docs/citus.md).
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name="kommune"
    )

    class Meta:
        abstract = True
