from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from spor.lib.models import AppendOnlyModel
from spor.tenancy.models import TenantModel


class Action(models.TextChoices):
    VIEW = "vis", "Så barnets side"
    LIST = "liste", "Så barnet på en liste"
    CREATE = "opret", "Oprettede"
    CHANGE = "aendr", "Ændrede"
    EXPORT = "eksport", "Eksporterede"
    CPR_SHOWN = "cpr", "Så det fulde CPR-nummer"
    IMPORT = "import", "Importerede"


class Purpose(models.TextChoices):
    CASEWORK = "sagsbehandling", "Sagsbehandling"
    OVERVIEW = "overblik", "Overblik over gruppe eller kommune"
    SEARCH = "soegning", "Søgning efter barn"
    SCREENING = "trivselsvurdering", "Trivselsvurdering"
    DATA_ADMIN = "stamdata", "Vedligehold af stamdata"
    ACCESS_REQUEST = "indsigt", "Forælders indsigtsanmodning"
    SUPERVISION = "tilsyn", "Ledelsestilsyn"


class AccessLogEntry(AppendOnlyModel, TenantModel):
    """One read, change or export of a child's data. Append-only.

    The actor and the child are kept as plain ids (no database foreign key), so that the
    entry outlives both and is never touched by a cascade; on PostgreSQL a trigger refuses
    UPDATE and DELETE.
    """

    append_only_noun = "Adgangsloggen"

    at = models.DateTimeField("tidspunkt", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name="bruger",
    )
    actor_role = models.CharField("rolle og faggruppe", max_length=100)
    child = models.ForeignKey(
        "registry.Child",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name="barn",
    )
    action = models.CharField("handling", max_length=10, choices=Action.choices)
    purpose = models.CharField("formål", max_length=20, choices=Purpose.choices)
    what = models.CharField("hvad", max_length=200)
    source = models.GenericIPAddressField("fra adresse", null=True, blank=True)

    class Meta:
        verbose_name = "adgangslog-post"
        verbose_name_plural = "adgangslog"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["municipality", "child", "at"])]
