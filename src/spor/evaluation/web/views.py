"""The municipality's evaluation page: aggregates only, so nothing is written to the access
log (no child is shown)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from spor.accounts.access import Actor
from spor.accounts.decorators import lead_required
from spor.evaluation.web import beyond, figures, lattice, selectors
from spor.evaluation.web.forms import DEFAULT_INFORMANT, FilterForm, Filters
from spor.measurement.models import Informant

MSG_INVALID = "Filtrene kunne ikke bruges. Ret de markerede felter og prøv igen."
MSG_OLD_PERIOD = (
    "Perioden fra en dato til en dato findes ikke længere: perioder vælges nu som et helt "
    "halvår, så skjulte tal ikke kan regnes ud. Siden viser alle perioder; vælg et halvår "
    "herunder."
)
# The page's period fields before they became whole half-years (bookmarked links keep them).
OLD_PERIOD_FIELDS = ("fra", "til")


@lead_required
def municipality(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = FilterForm(
        request.GET or None,
        interventions=selectors.interventions_for(actor),
        initial={"informant": DEFAULT_INFORMANT},
    )
    if request.GET and not form.is_valid():
        return render(
            request,
            "evaluation/municipality.html",
            {"form": form, "message": MSG_INVALID, "caveat": True},
            status=400,
        )
    filters = form.filters() if request.GET else Filters()
    fig = lattice.for_municipality(actor, filters)
    context = page_context(form, fig, beyond.compute(actor, filters))
    if any(request.GET.get(name) for name in OLD_PERIOD_FIELDS):
        context["period_notice"] = MSG_OLD_PERIOD
    return render(request, "evaluation/municipality.html", context)


def page_context(form: FilterForm, fig: figures.Figures, more: Any = None) -> dict[str, Any]:
    """The page's context for the figures of one view (``more``: the figures beside the SDQ)."""
    return {
        "form": form,
        "fig": fig,
        "beyond": more,
        "informant_label": Informant(fig.filters.informant).label,
        "threshold": figures.THRESHOLD,
        "suppressed": figures.SUPPRESSED,
        "legend": figures.LEGEND,
        "caveat": True,
    }
