"""The public answer page of a survey link: no login. Forged links answer 404, used links
and closed rounds 410, and an address that tries too many unknown links 429. The page
headers are every one-time link's (``spor.lib.links.private_response``)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from spor.lib.links import private_response
from spor.measurement.public_views import closed_response, too_many_guesses, unknown_link
from spor.survey import items, links, results, services


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    if (refused := too_many_guesses(request, scope=links.SCOPE)) is not None:
        return refused
    with transaction.atomic():
        inv = links.find_invitation(token)
        if inv is None:
            return unknown_link(request, scope=links.SCOPE)
        status = services.invitation_status(inv)
        if status != "sendt":
            return closed_response(request, status, services.closed_message(status))
        data = inv.round.items
        context = {
            "round": inv.round,
            "data": data,
            "scale": sorted(data["scale"].items()),
            "dont_know": items.DONT_KNOW,
            "dont_know_label": data.get("dont_know", "Ved ikke"),
            "chosen": {},
            "errors": [],
            "min_answers": results.MIN_ANSWERS,
        }
        if request.method == "POST":
            answers, errors = items.read_answers(data, request.POST)
            if not errors:
                try:
                    services.answer_by_link(inv, answers)
                except services.LinkClosed as closed:
                    return closed_response(request, closed.status, closed.message)
                return redirect("survey_public:thanks")
            context.update(errors=errors, chosen={k: str(v) for k, v in request.POST.items()})
            return private_response(
                render(request, "survey/public_answer.html", context, status=400)
            )
        return private_response(render(request, "survey/public_answer.html", context))


@never_cache
def thanks(request: HttpRequest) -> HttpResponse:
    return private_response(render(request, "survey/public_thanks.html"))
