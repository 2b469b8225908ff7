"""The PPR-leder's screens: rounds, opening and closing a round, results and the
self-assessment. Everyone else gets 404 (``lead_required``)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from spor.accounts.access import Actor
from spor.accounts.decorators import lead_required
from spor.lib.forms import first_error
from spor.survey import results, selectors, services
from spor.survey.forms import OpenRoundForm, SelfAssessmentForm
from spor.survey.models import Level


def _index(request: HttpRequest, actor: Actor, error: str = "", status: int = 200) -> HttpResponse:
    invitable, without_mail = services.recipients(actor)
    today = timezone.localdate()
    return render(
        request,
        "survey/index.html",
        {
            "rounds": selectors.rounds_for(actor),
            "today": today,
            "n_invitable": len(invitable),
            "without_mail": without_mail,
            "error": error,
            "form": request.POST if request.method == "POST" else {},
            "default_closes_on": today + dt.timedelta(days=14),
            "min_answers": results.MIN_ANSWERS,
        },
        status=status,
    )


@lead_required
def index(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _index(request, actor)


@lead_required
@require_POST
def open_round(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = OpenRoundForm(request.POST)
    if not form.is_valid():
        return _index(request, actor, error=first_error(form), status=400)
    try:
        rnd, sent = services.open_round(
            actor, name=form.cleaned_data["name"], closes_on=form.cleaned_data["closes_on"]
        )
    except services.SurveyError as err:
        return _index(request, actor, error=str(err), status=400)
    messages.success(request, f"Runden »{rnd.name}« er åbnet, og {sent} links er sendt.")
    return redirect("survey:round", surveyround_id=rnd.pk)


def _round(
    request: HttpRequest, actor: Actor, surveyround_id: int, error: str = "", status: int = 200
) -> HttpResponse:
    rnd = selectors.get_surveyround_for_user(actor, surveyround_id)
    res = results.for_round(rnd)
    saved = selectors.self_assessments_of(rnd)
    rows = [(b, saved.get(b.number)) for b in res.benchmarks]
    return render(
        request,
        "survey/round.html",
        {
            "rnd": rnd,
            "res": res,
            "rows": rows,
            "saved": [saved[n] for n in sorted(saved)],
            "levels": Level.choices,
            "error": error,
            "min_answers": results.MIN_ANSWERS,
            "low_below": results.LOW_BELOW,
            "high_from": results.HIGH_FROM,
        },
        status=status,
    )


@lead_required
def round_detail(request: HttpRequest, actor: Actor, surveyround_id: int) -> HttpResponse:
    return _round(request, actor, surveyround_id)


@lead_required
@require_POST
def close_round(request: HttpRequest, actor: Actor, surveyround_id: int) -> HttpResponse:
    rnd = selectors.get_surveyround_for_user(actor, surveyround_id)
    services.close_round(actor, rnd)
    messages.success(request, f"Runden »{rnd.name}« er lukket.")
    return redirect("survey:round", surveyround_id=rnd.pk)


@lead_required
def self_assessment(request: HttpRequest, actor: Actor, surveyround_id: int) -> HttpResponse:
    rnd = selectors.get_surveyround_for_user(actor, surveyround_id)
    if request.method != "POST":
        return redirect("survey:round", surveyround_id=rnd.pk)
    if not results.for_round(rnd).shown:
        return _round(
            request,
            actor,
            surveyround_id,
            error="Selvvurderingen kan gemmes, når runden er lukket og har mindst "
            f"{results.MIN_ANSWERS} svar.",
            status=400,
        )
    form = SelfAssessmentForm(request.POST)
    if not form.is_valid():
        return _round(request, actor, surveyround_id, error=first_error(form), status=400)
    try:
        saved = services.save_self_assessment(
            actor,
            rnd,
            number=str(form.cleaned_data["benchmark"]),
            level=form.cleaned_data["level"],
            note=form.cleaned_data["note"],
        )
    except services.SurveyError as err:
        return _round(request, actor, surveyround_id, error=str(err), status=400)
    messages.success(request, f"Selvvurderingen af pejlemærke {saved.benchmark_number} er gemt.")
    return redirect("survey:round", surveyround_id=rnd.pk)
