from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from spor.tenancy.access import SESSION_KEY, memberships_of


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Each role's start page: what this person can do here."""
    memberships = memberships_of(request.user)  # type: ignore[arg-type]
    return render(request, "web/start.html", {"memberships": memberships})


@require_POST
@login_required
def switch_municipality(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("membership", "")
    ids = {m.pk for m in memberships_of(request.user)}  # type: ignore[arg-type]
    if wanted.isdigit() and int(wanted) in ids:
        request.session[SESSION_KEY] = int(wanted)
    return redirect("start")
