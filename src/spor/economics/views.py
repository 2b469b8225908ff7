"""Economics screens for the PPR-leder: hourly rates, materials and implementation costs, the
cost page and the investment case. Thin views: parse, authorize, call one service or report,
render. Aggregates only, so nothing is written to the access log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.decorators import lead_required
from spor.economics import charts, investment, reports, selectors, services
from spor.economics.forms import (
    CostFilterForm,
    HourlyRateForm,
    InterventionCostForm,
    ScenarioForm,
)
from spor.economics.models import HourlyRate, InterventionCost, InvestmentScenario
from spor.evaluation.economics import DISCLAIMER_DA, PURSES
from spor.lib.forms import add_errors, form_status
from spor.lib.ids import parse_id

MSG_INVALID = "Filtrene kunne ikke bruges. Ret de markerede felter og prøv igen."


# --------------------------------------------------------------------------- costs


@lead_required
def costs(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = CostFilterForm(
        request.GET or None,
        interventions=selectors.interventions_for(actor),
        years=selectors.delivery_years(actor),
    )
    if request.GET and not form.is_valid():
        return render(
            request, "economics/costs.html", {"form": form, "message": MSG_INVALID}, status=400
        )
    data = form.cleaned_data if request.GET else {}
    page = reports.cost_page(
        actor,
        year=data.get("aar"),
        intervention=data.get("indsats"),
        price_day=data.get("prisdato") or timezone.localdate(),
    )
    return render(request, "economics/costs.html", {"form": form, "page": page})


# --------------------------------------------------------------------------- rates


@lead_required
def rate_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    today = timezone.localdate()
    current = selectors.rates_on(actor, today)
    return render(
        request,
        "economics/rate_list.html",
        {
            "rates": selectors.rates_for(actor),
            "current_ids": {r.pk for r in current.values()},
            "today": today,
        },
    )


def _rate_page(request: HttpRequest, actor: Actor, item: HourlyRate | None) -> HttpResponse:
    initial: dict[str, Any] = {"valid_from": timezone.localdate()}
    if item is not None:
        initial = {
            "profession": item.profession,
            "valid_from": item.valid_from,
            "annual_cost": item.annual_cost,
            "productive_hours": item.productive_hours,
            "overhead_pct": item.overhead_pct,
            "rate_value": None if item.is_derived else item.rate,
            "note": item.note,
        }
    form = HourlyRateForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.hourly_rate_save(actor=actor, rate=item, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Timeprisen er gemt.")
            return redirect("economics:rate_list")
    return render(
        request, "economics/rate_form.html", {"form": form, "item": item}, status=form_status(form)
    )


@lead_required
def rate_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _rate_page(request, actor, None)


@lead_required
def rate_update(request: HttpRequest, actor: Actor, hourly_rate_id: int) -> HttpResponse:
    return _rate_page(request, actor, selectors.get_rate(actor, hourly_rate_id))


# --------------------------------------------------------------------------- materials etc.


@lead_required
def cost_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(request, "economics/cost_list.html", {"items": selectors.costs_for(actor)})


def _cost_page(request: HttpRequest, actor: Actor, item: InterventionCost | None) -> HttpResponse:
    initial: dict[str, Any] = {"year": timezone.localdate().year}
    if item is not None:
        initial = {
            "intervention": item.intervention,
            "year": item.year,
            "materials": item.materials,
            "implementation": item.implementation,
            "note": item.note,
        }
    form = InterventionCostForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        interventions=selectors.interventions_for(actor),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_cost_save(actor=actor, cost=item, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Udgifterne er gemt.")
            return redirect("economics:cost_list")
    return render(
        request, "economics/cost_form.html", {"form": form, "item": item}, status=form_status(form)
    )


@lead_required
def cost_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _cost_page(request, actor, None)


@lead_required
def cost_update(request: HttpRequest, actor: Actor, intervention_cost_id: int) -> HttpResponse:
    return _cost_page(request, actor, selectors.get_cost(actor, intervention_cost_id))


# --------------------------------------------------------------------------- investment case


@lead_required
def scenario_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(
        request,
        "economics/scenario_list.html",
        {
            "items": selectors.scenarios_for(actor),
            "interventions": selectors.interventions_for(actor).filter(active=True),
        },
    )


def _scenario_page(
    request: HttpRequest, actor: Actor, item: InvestmentScenario | None
) -> HttpResponse:
    interventions = selectors.interventions_for(actor)
    notes: list[str] = []
    if item is not None:
        initial = ScenarioForm.initial_from(item)
    else:
        chosen = None
        wanted = parse_id(request.GET.get("indsats"))
        if wanted is not None:
            chosen = interventions.filter(pk=wanted).first()
        suggestion = reports.prefill(actor, intervention=chosen, today=timezone.localdate())
        initial = {**suggestion.initial, "intervention": chosen}
        notes = suggestion.notes
    form = ScenarioForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        interventions=interventions,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.scenario_save(actor=actor, scenario=item, **form.service_kwargs())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Beregningen er gemt.")
            return redirect("economics:scenario_detail", investment_scenario_id=saved.pk)
    return render(
        request,
        "economics/scenario_form.html",
        {"form": form, "item": item, "notes": notes, "disclaimer": DISCLAIMER_DA},
        status=form_status(form),
    )


@lead_required
def scenario_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _scenario_page(request, actor, None)


@lead_required
def scenario_update(
    request: HttpRequest, actor: Actor, investment_scenario_id: int
) -> HttpResponse:
    return _scenario_page(request, actor, selectors.get_scenario(actor, investment_scenario_id))


@lead_required
def scenario_detail(
    request: HttpRequest, actor: Actor, investment_scenario_id: int
) -> HttpResponse:
    item = selectors.get_scenario(actor, investment_scenario_id)
    result = investment.compute(item)
    case = result.case
    return render(
        request,
        "economics/scenario_detail.html",
        {
            "item": item,
            "case": case,
            "purses": PURSES,
            "rows": investment.year_rows(case),
            "purse_rows": investment.purse_rows(case),
            "sensitivity": result.sensitivity,
            "tornado": charts.tornado(result.sensitivity),
            "net_chart": charts.net_per_year(case),
            "disclaimer": DISCLAIMER_DA,
        },
    )
