from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from spor.tenancy.access import Actor
from spor.tenancy.decorators import lead_required


@lead_required
def import_upload(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(request, "registry/import.html", {})
