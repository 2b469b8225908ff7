"""The public answer page of a one-time link: no login, nothing about the child but a first
name. Forged links answer 404, used, expired and withdrawn ones 410 with a Danish page, and
an address that tries too many unknown links gets 429 for a while."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from spor.lib.links import guessing_blocked, private_response, record_bad_token
from spor.measurement import links, questionnaire, services
from spor.measurement.models import Informant, RequestStatus
from spor.ops.proxies import client_address, request_context


def too_many_guesses(request: HttpRequest, *, scope: str) -> HttpResponse | None:
    """The 429 page when this address has tried too many unknown links of ``scope`` (also the
    survey's), else None."""
    if guessing_blocked(client_address(request), scope=scope):
        return private_response(render(request, "measurement/public_too_many.html", status=429))
    return None


def unknown_link(request: HttpRequest, *, scope: str) -> HttpResponse:
    """A forged or mistyped link (also the survey's): counted against the address, 404."""
    record_bad_token(client_address(request), scope=scope)
    return private_response(render(request, "measurement/public_unknown.html", status=404))


def closed_response(request: HttpRequest, status: str, message: str) -> HttpResponse:
    """A used, expired or withdrawn link (also the survey's, spor.survey.public_views)."""
    return private_response(
        render(
            request,
            "measurement/public_closed.html",
            {"message": message, "status": status},
            status=410,
        )
    )


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    if (refused := too_many_guesses(request, scope=links.SCOPE)) is not None:
        return refused
    with transaction.atomic():
        req = links.find_request(token)
        if req is None:
            return unknown_link(request, scope=links.SCOPE)
        status = req.status
        if status != RequestStatus.SENT:
            return closed_response(request, status, services.closed_message(status))
        child = req.delivery.case.child
        q = questionnaire.build(req.form, req.informant, req.municipality_id)
        context = {
            "q": q,
            "first_name": child.first_name if child else "",
            "informant": req.informant,
            "is_self": req.informant == Informant.SELF,
            "role_text": questionnaire.ROLE_TEXT[Informant(req.informant)],
            "follow_up": req.form.endswith("-followup"),
            "expires_at": req.expires_at,
        }
        if request.method == "POST":
            if questionnaire.read(q, request.POST, paper=False):
                try:
                    services.answer_by_link(
                        req=req,
                        answers=q.answers(),
                        impact=q.impact_answers(),
                        context=request_context(request),
                    )
                except services.LinkClosed as closed:
                    return closed_response(request, closed.status, closed.message)
                return redirect("measurement_public:thanks")
            return private_response(
                render(request, "measurement/public_answer.html", context, status=400)
            )
        return private_response(render(request, "measurement/public_answer.html", context))


@never_cache
def thanks(request: HttpRequest) -> HttpResponse:
    return private_response(render(request, "measurement/public_thanks.html"))
