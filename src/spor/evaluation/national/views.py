"""The programme evaluator's pages: the evaluation's figures across the participating
municipalities, and their export. Aggregates only, municipalities by pseudonym: nothing is
written to the access log, since no child is read on anyone's behalf page by page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from spor.evaluation import disclosure
from spor.evaluation.national import exports
from spor.evaluation.national import selectors as evaluation_selectors
from spor.evaluation.national import survey as national_survey
from spor.evaluation.national import tables as evaluation_tables
from spor.evaluation.national.access import EvaluatorActor, programme_evaluator_required
from spor.evaluation.national.forms import EvaluationFilterForm, query_of
from spor.evaluation.web.forms import DEFAULT_INFORMANT, Filters
from spor.measurement.models import Informant
from spor.survey.results import MIN_ANSWERS

MSG_INVALID = "Filtrene kunne ikke bruges. Ret de markerede felter og prøv igen."


def _form(request: HttpRequest, eactor: EvaluatorActor) -> EvaluationFilterForm:
    return EvaluationFilterForm(
        request.GET or None,
        programme=eactor.programme,
        today=timezone.localdate(),
        initial={"informant": DEFAULT_INFORMANT},
    )


def filter_text(f: Filters) -> str:
    return f"informant: {Informant(f.informant).label}; alle øvrige opdelinger som rækker"


def _report(
    eactor: EvaluatorActor, filters: Filters
) -> tuple[evaluation_tables.Report, evaluation_selectors.ProgrammeData]:
    # The stored cells are read only if nothing is kept under their builds (tables.kept).
    data = evaluation_selectors.programme_data(eactor, filters, stored=False)
    report = evaluation_tables.build_cached(data, eactor.programme.pk, filters, eactor=eactor)
    return report, data


@programme_evaluator_required
def evaluation(request: HttpRequest, eactor: EvaluatorActor) -> HttpResponse:
    form = _form(request, eactor)
    context: dict[str, Any] = {
        "programme": eactor.programme,
        # The administrator's menu (programme, overview) only for an administrator.
        "admin_programme": eactor.programme if eactor.is_admin else None,
        "form": form,
        "protection_note": disclosure.PROTECTION_NOTE_DA,
        "legend": disclosure.HIDDEN_LEGEND_DA,
        "mark": disclosure.HIDDEN_MARK,
        "caveat": evaluation_tables.CAVEAT_DA,
        "threshold": evaluation_tables.THRESHOLD,
        "column_labels": evaluation_tables.COLUMN_LABELS,
        "total_label": evaluation_tables.TOTAL_LABEL,
    }
    if request.GET and not form.is_valid():
        context["message"] = MSG_INVALID
        return render(request, "programme/evaluation.html", context, status=400)
    filters = form.filters()
    report, data = _report(eactor, filters)
    context.update(
        report=report,
        # When the stored cells read were built (what a bulk change waits for).
        refreshed_at=data.refreshed_at,
        filter_text=filter_text(filters),
        query=urlencode(query_of(filters)),
    )
    return render(request, "programme/evaluation.html", context)


def _export(request: HttpRequest, eactor: EvaluatorActor, kind: str) -> HttpResponse:
    form = _form(request, eactor)
    if request.GET and not form.is_valid():
        return HttpResponse(MSG_INVALID, status=400, content_type="text/plain; charset=utf-8")
    filters = form.filters()
    report, _ = _report(eactor, filters)
    text = filter_text(filters)
    stamp = timezone.localdate().isoformat()
    if kind == "xlsx":
        body = exports.workbook(report, eactor.programme, text)
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = exports.csv_zip(report, eactor.programme, text)
        ctype = "application/zip"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="evaluering-{stamp}.{kind}"'
    return response


@programme_evaluator_required
def evaluation_xlsx(request: HttpRequest, eactor: EvaluatorActor) -> HttpResponse:
    return _export(request, eactor, "xlsx")


@programme_evaluator_required
def evaluation_csv(request: HttpRequest, eactor: EvaluatorActor) -> HttpResponse:
    return _export(request, eactor, "zip")


@programme_evaluator_required
def survey(request: HttpRequest, eactor: EvaluatorActor) -> HttpResponse:
    """The staff survey across the municipalities (pseudonymised, at least 5 respondents,
    suppressed as the evaluation)."""
    return render(
        request,
        "programme/survey.html",
        {
            "programme": eactor.programme,
            "admin_programme": eactor.programme if eactor.is_admin else None,
            "res": national_survey.for_programme(eactor),
            "min_answers": MIN_ANSWERS,
            "protection_note": disclosure.PROTECTION_NOTE_DA,
            "mark": disclosure.HIDDEN_MARK,
        },
    )
