"""Evaluation reports: order one from the evaluation page (with its filters), follow its
progress, download it. Aggregates only, so nothing goes to the access log; a report is its
maker's (another lead, or another municipality, gets 404)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from spor.accounts.access import Actor
from spor.accounts.decorators import lead_required
from spor.evaluation.web import report_selectors, services
from spor.evaluation.web.models import ReportFormat
from spor.evaluation.web.views import MSG_INVALID

CONTENT_TYPES = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@require_POST
@lead_required
def report_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The page's filters come in the query string, as on the page; the format in the form."""
    form = services.filter_form(actor, request.GET)
    if not form.is_valid():
        context = {"form": form, "message": MSG_INVALID, "caveat": True}
        return render(request, "evaluation/municipality.html", context, status=400)
    try:
        job = services.report_job_create(
            actor=actor, format=request.POST.get("format", ""), params=request.GET
        )
    except services.ReportError as e:
        context = {"form": form, "message": str(e), "caveat": True}
        return render(request, "evaluation/municipality.html", context, status=400)
    return redirect("evaluation:report_status", reportjob_id=job.pk)


@require_GET
@lead_required
def report_status(request: HttpRequest, actor: Actor, reportjob_id: int) -> HttpResponse:
    job = report_selectors.report_job_for(actor, reportjob_id)
    context = {"job": job, "message": services.lost_message(job)}
    if request.headers.get("HX-Request"):
        return render(request, "evaluation/_report_progress.html", context)
    return render(request, "evaluation/report_status.html", context)


@require_GET
@lead_required
def report_download(request: HttpRequest, actor: Actor, reportjob_id: int) -> HttpResponse:
    job = report_selectors.report_job_for(actor, reportjob_id)
    if not job.is_done or job.result is None:
        return redirect("evaluation:report_status", reportjob_id=job.pk)
    response = HttpResponse(bytes(job.result), content_type=CONTENT_TYPES[ReportFormat(job.format)])
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
