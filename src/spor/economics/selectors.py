"""Scoped reads for the economics screens. Everything filters on the actor's municipality in
the query; the ``get_*`` functions answer 404 for another municipality's object exactly as
for one that does not exist. Only the PPR-leder reaches these screens (the views check)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from spor.accounts.access import Actor
from spor.cases.models import INITIATED_STATES, Delivery, DeliveryHours, Intervention
from spor.economics.models import HourlyRate, InterventionCost, InvestmentScenario


def rates_for(actor: Actor) -> QuerySet[HourlyRate]:
    return HourlyRate.objects.filter(municipality_id=actor.municipality_id)


def get_rate(actor: Actor, rate_id: int) -> HourlyRate:
    return get_object_or_404(rates_for(actor), pk=rate_id)


def rates_on(actor: Actor, day: dt.date) -> dict[str, HourlyRate]:
    """Per profession, the rate valid on ``day``: the latest with ``valid_from <= day``."""
    out: dict[str, HourlyRate] = {}
    for rate in rates_for(actor).filter(valid_from__lte=day).order_by("profession", "valid_from"):
        out[rate.profession] = rate
    return out


def interventions_for(actor: Actor) -> QuerySet[Intervention]:
    return Intervention.objects.filter(municipality_id=actor.municipality_id).order_by("name")


def costs_for(actor: Actor) -> QuerySet[InterventionCost]:
    return InterventionCost.objects.filter(municipality_id=actor.municipality_id).select_related(
        "intervention"
    )


def get_cost(actor: Actor, cost_id: int) -> InterventionCost:
    return get_object_or_404(costs_for(actor), pk=cost_id)


def scenarios_for(actor: Actor) -> QuerySet[InvestmentScenario]:
    return InvestmentScenario.objects.filter(municipality_id=actor.municipality_id).select_related(
        "intervention"
    )


def get_scenario(actor: Actor, scenario_id: int) -> InvestmentScenario:
    return get_object_or_404(scenarios_for(actor), pk=scenario_id)


@dataclass(frozen=True)
class HoursRow:
    """Hours of one profession on one delivery, with what the costs are grouped by. No name
    of a child: ``child_id`` only counts distinct children."""

    delivery_id: int
    case_id: int
    child_id: int | None
    intervention_id: int
    intervention: str
    start: dt.date
    profession: str
    hours: float


def delivery_hours(
    actor: Actor, *, year: int | None = None, intervention: Intervention | None = None
) -> list[HoursRow]:
    """The hours of the municipality's deliveries, those starting in ``year`` (if given), of
    ``intervention`` (if given)."""
    qs = DeliveryHours.objects.filter(
        municipality_id=actor.municipality_id, delivery__status__in=INITIATED_STATES
    )
    if year is not None:
        qs = qs.filter(delivery__start__year=year)
    if intervention is not None:
        qs = qs.filter(delivery__intervention_id=intervention.pk)
    rows = qs.order_by("delivery_id", "profession").values_list(
        "delivery_id",
        "delivery__case_id",
        "delivery__case__child_id",
        "delivery__intervention_id",
        "delivery__intervention__name",
        "delivery__start",
        "profession",
        "hours",
    )
    return [
        HoursRow(d, c, ch, iv, name, start, p, float(h)) for d, c, ch, iv, name, start, p, h in rows
    ]


def delivery_ids(
    actor: Actor, *, year: int | None = None, intervention: Intervention | None = None
) -> set[int]:
    """The municipality's deliveries starting in ``year`` (if given) of ``intervention`` (if
    given), with or without hours."""
    qs = Delivery.objects.filter(municipality_id=actor.municipality_id, status__in=INITIATED_STATES)
    if year is not None:
        qs = qs.filter(start__year=year)
    if intervention is not None:
        qs = qs.filter(intervention_id=intervention.pk)
    return set(qs.values_list("pk", flat=True))


def cost_rows(
    actor: Actor, *, year: int | None = None, intervention: Intervention | None = None
) -> list[InterventionCost]:
    """Materials and implementation costs of the year (all years if none), of the
    intervention (if given, and then without the shared costs)."""
    qs = costs_for(actor)
    if year is not None:
        qs = qs.filter(year=year)
    if intervention is not None:
        qs = qs.filter(intervention_id=intervention.pk)
    return list(qs)


def delivery_years(actor: Actor) -> list[int]:
    """Budget years with deliveries, newest first (for the year filter)."""
    dates = (
        DeliveryHours.objects.filter(municipality_id=actor.municipality_id)
        .values_list("delivery__start", flat=True)
        .distinct()
    )
    return sorted({d.year for d in dates}, reverse=True)
