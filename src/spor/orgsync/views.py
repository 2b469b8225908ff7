"""The organisation import for the PPR-leder: upload → preview (what will be created,
updated and ended, or every error in the file) → confirm. Nothing is saved before the
confirmation, and then everything or nothing."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from spor import cpr
from spor.accounts.access import Actor
from spor.accounts.decorators import lead_required
from spor.accounts.models import Profession, Role
from spor.orgsync import parsing, selectors, services
from spor.orgsync.forms import JobFunctionForm

logger = logging.getLogger(__name__)

FIELD = "fil"


def _upload_page(
    request: HttpRequest, actor: Actor, context: dict[str, object], status: int = 200
) -> HttpResponse:
    base = {
        "field": FIELD,
        "imports": selectors.recent_imports(actor),
        "max_mb": parsing.MAX_FILE_BYTES // (1024 * 1024),
    }
    return render(request, "orgsync/upload.html", base | context, status=status)


@lead_required
def orgsync_upload(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method != "POST":
        return _upload_page(request, actor, {})
    upload = request.FILES.get(FIELD)
    if upload is None:
        return _upload_page(request, actor, {"form_error": "Vælg en fil (JSON eller CSV)."}, 400)
    file_name = cpr.redact(upload.name or "")
    if upload.size is not None and upload.size > parsing.MAX_FILE_BYTES:
        org = parsing.OrgFile().fail(
            f"filen er for stor (højst {parsing.MAX_FILE_BYTES // (1024 * 1024)} MB)"
        )
    else:
        org = parsing.parse_file(upload.name or "", upload.read())
    if org.errors:
        logger.info(
            "Organisationsimport afvist: %d fejl (municipality=%s)",
            len(org.errors),
            actor.municipality_id,
        )
        return _upload_page(
            request,
            actor,
            {"errors": org.errors, "warnings": org.warnings, "file_name": file_name},
            status=400,
        )
    pending = services.orgimport_create(actor=actor, org=org, file_name=file_name)
    return redirect("orgsync:orgimport_detail", orgimport_id=pending.pk)


@lead_required
def orgimport_detail(request: HttpRequest, actor: Actor, orgimport_id: int) -> HttpResponse:
    pending = selectors.get_orgimport_for_lead(actor, orgimport_id)
    context: dict[str, object] = {"orgimport": pending}
    if pending.applied_at is None:
        result = services.orgimport_preview(actor=actor, orgimport=pending)
        context |= {"result": result, "warnings": [*pending.warnings, *result.warnings]}
    else:
        context["applied"] = [
            (label, [c for c in pending.summary if c["action"] == action])
            for action, label in services.ACTION_LABELS.items()
        ]
    return render(request, "orgsync/preview.html", context)


@require_POST
@lead_required
def orgimport_confirm(request: HttpRequest, actor: Actor, orgimport_id: int) -> HttpResponse:
    pending = selectors.get_orgimport_for_lead(actor, orgimport_id)
    try:
        result = services.orgimport_confirm(actor=actor, orgimport=pending)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("orgsync:orgimport_detail", orgimport_id=pending.pk)
    except IntegrityError:
        logger.warning("Organisationsimport kunne ikke gemmes (samtidig ændring)")
        messages.error(
            request,
            "Importen kunne ikke gemmes, fordi de samme data blev ændret samtidig. "
            "Intet er gemt – prøv igen.",
        )
        return redirect("orgsync:orgimport_detail", orgimport_id=pending.pk)
    if not result.applied:
        context = {
            "orgimport": pending,
            "result": result,
            "warnings": [*pending.warnings, *result.warnings],
        }
        return render(request, "orgsync/preview.html", context, status=400)
    logger.info("Organisationsimport gennemført (municipality=%s)", actor.municipality_id)
    messages.success(request, "Importen er gennemført.")
    return redirect("orgsync:orgimport_detail", orgimport_id=pending.pk)


@lead_required
def job_functions(request: HttpRequest, actor: Actor) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    status = 200
    roles, professions = dict(Role.choices), dict(Profession.choices)
    if request.method == "POST":
        form = JobFunctionForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError({k: list(v) for k, v in form.errors.items()})
            data = form.cleaned_data
            if data["action"] == "delete":
                services.job_function_delete(actor=actor, job_function=data["job_function"])
                messages.success(request, "Stillingen følger nu standarden igen.")
            else:
                services.job_function_save(
                    actor=actor,
                    job_function=data["job_function"],
                    role=data["role"],
                    profession=data["profession"],
                )
                messages.success(request, "Stillingen er gemt.")
            return redirect("orgsync:job_functions")
        except ValidationError as exc:
            errors = exc.message_dict
            status = 400
    return render(
        request,
        "orgsync/job_functions.html",
        {
            "rows": [
                r
                | {
                    "role_label": roles.get(str(r["role"]), r["role"]),
                    "profession_label": professions.get(str(r["profession"]), r["profession"]),
                }
                for r in selectors.job_function_table(actor)
            ],
            "roles": Role.choices,
            "professions": Profession.choices,
            "errors": errors,
            "posted": request.POST if status == 400 else {},
        },
        status=status,
    )
