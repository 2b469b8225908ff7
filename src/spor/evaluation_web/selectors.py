"""Scoped reads for the evaluation page: the municipality's catalogue and one query of the
SDQ responses behind the figures (never per child)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from spor.cases.models import Intervention
from spor.evaluation_web.forms import Filters
from spor.measurement.models import Response
from spor.tenancy.access import Actor


def interventions_for(actor: Actor) -> QuerySet[Intervention]:
    return Intervention.objects.filter(municipality_id=actor.municipality_id).order_by("name")


@dataclass(frozen=True)
class Row:
    """One saved response, as the figures need it."""

    delivery_id: int
    phase: str
    form: str
    scores: dict[str, Any]
    norm_set: str
    answered_on: dt.date
    birth_date: dt.date


def response_rows(actor: Actor, filters: Filters) -> list[Row]:
    """The informant's responses on deliveries of the municipality's child cases that match
    the intervention filters. Age group and period are about the baseline, so the caller
    applies them per delivery."""
    qs = Response.objects.filter(
        municipality_id=actor.municipality_id,
        informant=filters.informant,
        delivery__case__child__isnull=False,
    )
    if filters.intervention is not None:
        qs = qs.filter(delivery__intervention_id=filters.intervention.pk)
    if filters.kind:
        qs = qs.filter(delivery__intervention__kind=filters.kind)
    if filters.level:
        qs = qs.filter(delivery__intervention__level=filters.level)
    if filters.target:
        # A JSON list: filtered in Python over the (small) catalogue, the same on every database.
        ids = [
            pk
            for pk, targets in interventions_for(actor).values_list("pk", "targets")
            if filters.target in (targets or [])
        ]
        qs = qs.filter(delivery__intervention_id__in=ids)
    rows = qs.order_by("delivery_id", "phase", "pk").values_list(
        "delivery_id",
        "phase",
        "form",
        "scores",
        "norm_set",
        "answered_at",
        "delivery__case__child__birth_date",
    )
    return [
        Row(d, phase, form, scores or {}, norm_set, timezone.localtime(at).date(), born)
        for d, phase, form, scores, norm_set, at, born in rows
    ]
