"""The child's access log (who looked at the child's record, when and why): the lead's
page and the export a parent may ask for (EU Court C-579/21). The log itself and its
reads are ``spor.audit``'s; the screens are here, with the child they are about."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from spor.accounts.access import Actor
from spor.accounts.decorators import lead_required
from spor.audit.exports import access_log_csv
from spor.audit.models import Action, Purpose
from spor.audit.selectors import access_log_for_child
from spor.audit.services import access_log_record
from spor.ops.proxies import request_context
from spor.registry.selectors import get_child_for_user


@lead_required
def child_access_log(request: HttpRequest, actor: Actor, child_id: int) -> HttpResponse:
    child = get_child_for_user(actor, child_id)
    # Logged before the list is read, so the page includes this very look.
    access_log_record(
        actor=actor,
        child_ids=[child.pk],
        action=Action.VIEW,
        purpose=Purpose.SUPERVISION,
        what="Adgangslog for barnet",
        context=request_context(request),
    )
    page = Paginator(access_log_for_child(actor, child.pk).select_related("actor"), 100).get_page(
        request.GET.get("side")
    )
    return render(request, "audit/child_access_log.html", {"child": child, "page": page})


@lead_required
def child_access_log_export(request: HttpRequest, actor: Actor, child_id: int) -> HttpResponse:
    child = get_child_for_user(actor, child_id)
    entries = list(access_log_for_child(actor, child.pk))
    access_log_record(
        actor=actor,
        child_ids=[child.pk],
        action=Action.EXPORT,
        purpose=Purpose.ACCESS_REQUEST,
        what="Adgangslog eksporteret til forælder (uden medarbejdernavne)",
        context=request_context(request),
    )
    response = HttpResponse(
        "\ufeff" + access_log_csv(entries), content_type="text/csv; charset=utf-8"
    )
    # The file name carries the record id, never the CPR number.
    response["Content-Disposition"] = f'attachment; filename="adgangslog-barn-{child.pk}.csv"'
    return response
