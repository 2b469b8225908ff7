from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from spor.accounts.access import SESSION_KEY, Actor, memberships_of
from spor.accounts.decorators import actor_required
from spor.audit.models import Action, Purpose
from spor.audit.services import access_log_record
from spor.evaluation.national.access import evaluated_programmes
from spor.lib.ids import parse_id
from spor.ops.proxies import request_context
from spor.web.forms import TransitionWindowForm
from spor.web.transitions import default_window, transitions_for


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Each role's start page: what this person can do here."""
    memberships = memberships_of(request.user)  # type: ignore[arg-type]
    # The programmes whose evaluation this person reads (administrator or evaluator): the
    # greeting depends on them, and the programme tiles link to them.
    evaluated = evaluated_programmes(request.user)
    return render(request, "web/start.html", {"memberships": memberships, "evaluated": evaluated})


@require_POST
@login_required
def switch_municipality(request: HttpRequest) -> HttpResponse:
    wanted = parse_id(request.POST.get("membership"))
    ids = {m.pk for m in memberships_of(request.user)}  # type: ignore[arg-type]
    if wanted in ids:
        request.session[SESSION_KEY] = wanted
    return redirect("start")


@actor_required
def transitions(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Children moving into the actor's groups (PPR: the municipality's), around now."""
    default_start, default_end = default_window(timezone.localdate())
    window = {k: v for k, v in request.GET.items() if k in ("fra", "til", "efter", "foer")}
    form = TransitionWindowForm(window or None, initial={"fra": default_start, "til": default_end})
    start = end = after = before = None
    if form.is_valid():
        start, end = form.cleaned_data["fra"], form.cleaned_data["til"]
        after, before = form.cleaned_data["efter"], form.cleaned_data["foer"]
    found = transitions_for(actor, start=start, end=end, after=after, before=before)
    lines = found.lines
    access_log_record(
        actor=actor,
        child_ids=[line.child.pk for line in lines],
        action=Action.LIST,
        purpose=Purpose.OVERVIEW,
        what="Overgangsliste",
        context=request_context(request),
    )
    access_log_record(
        actor=actor,
        child_ids=[line.child.pk for line in lines if line.shared],
        action=Action.VIEW,
        purpose=Purpose.SCREENING,
        what="Overlevering ved overgang: seneste position og åbne bekymringer",
        context=request_context(request),
    )
    return render(
        request,
        "web/transitions.html",
        {"form": form, "lines": lines, "found": found},
        status=400 if form.errors else 200,
    )
