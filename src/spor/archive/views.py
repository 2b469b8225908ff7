"""The lead's archive screens: retention rules, archive holds, a dry run of the retention
job, and the archive export. Everyone but the municipality's PPR-leder gets 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from spor.accounts.access import Actor
from spor.accounts.decorators import lead_required
from spor.archive import export as archive_export
from spor.archive import forms, selectors, services
from spor.archive.models import KEPT_REASONS, RecordType
from spor.lib.forms import add_errors


def _run_lines(run: Any) -> list[str]:
    """Danish lines for a run's counts (numbers only, as they are stored)."""
    lines = []
    for row in run.counts:
        what = RecordType(row["record_type"]).label
        kle = f", KLE {row['kle_number']}" if row["kle_number"] else ""
        verb = "slettet" if row["disposal"] == "slet" else "anonymiseret"
        lines.append(f"{what}: {row['count']} {verb} (regel {row['months']} mdr.{kle})")
    for record_type, kept in run.kept.items():
        for why, n in kept.items():
            lines.append(f"{RecordType(record_type).label}: {n} beholdt, {KEPT_REASONS[why]}")
    return lines


def _render_index(
    request: HttpRequest, actor: Actor, status: int = 200, **form_overrides: Any
) -> HttpResponse:
    runs = selectors.runs_for(actor)
    context = {
        "rules": selectors.rules_for(actor),
        "holds": selectors.holds_for(actor).filter(released_at__isnull=True),
        "runs": [(run, _run_lines(run)) for run in runs],
        "exports": selectors.exports_for(actor),
        "defaults": [(RecordType(t).label, months, d) for t, months, d in services.DEFAULT_RULES],
        "rule_form": forms.RuleForm(prefix="regel"),
        "hold_form": forms.HoldForm(prefix="hold"),
        "export_form": forms.ExportForm(prefix="eksport"),
    }
    context.update(form_overrides)
    return render(request, "archive/index.html", context, status=status)


@lead_required
def index(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _render_index(request, actor)


@require_POST
@lead_required
def rule_set(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = forms.RuleForm(request.POST, prefix="regel")
    if form.is_valid():
        try:
            services.retention_rule_set(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Slettereglen er gemt.")
            return redirect("archive:index")
    return _render_index(request, actor, status=400, rule_form=form)


@require_POST
@lead_required
def rules_defaults(request: HttpRequest, actor: Actor) -> HttpResponse:
    added = services.retention_rules_apply_defaults(actor=actor)
    messages.success(request, f"{added} standardregler er sat i kraft.")
    return redirect("archive:index")


@require_POST
@lead_required
def rule_delete(request: HttpRequest, actor: Actor, retention_rule_id: int) -> HttpResponse:
    rule = selectors.get_rule_for_lead(actor, retention_rule_id)
    services.retention_rule_delete(actor=actor, rule=rule)
    messages.success(request, "Slettereglen er fjernet. Den slags oplysninger slettes ikke.")
    return redirect("archive:index")


@require_POST
@lead_required
def hold_add(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = forms.HoldForm(request.POST, prefix="hold")
    if form.is_valid():
        try:
            services.archive_hold_add(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Forløbet er holdt til arkivafleveringen.")
            return redirect("archive:index")
    return _render_index(request, actor, status=400, hold_form=form)


@require_POST
@lead_required
def hold_release(request: HttpRequest, actor: Actor, archive_hold_id: int) -> HttpResponse:
    hold = selectors.get_hold_for_lead(actor, archive_hold_id)
    try:
        services.archive_hold_release(actor=actor, hold=hold)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Arkivholdet er frigivet.")
    return redirect("archive:index")


@require_POST
@lead_required
def dry_run(request: HttpRequest, actor: Actor) -> HttpResponse:
    run = services.retention_run(municipality_id=actor.municipality_id, dry_run=True)
    messages.success(
        request,
        f"Prøvekørsel: {run.total} ville blive slettet eller anonymiseret i dag. Intet er ændret.",
    )
    return redirect("archive:index")


@lead_required
def export(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method != "POST":
        return redirect("archive:index")
    form = forms.ExportForm(request.POST, prefix="eksport")
    if not form.is_valid():
        return _render_index(request, actor, status=400, export_form=form)
    data = form.cleaned_data
    result = archive_export.archive_export(
        municipality=actor.membership.municipality,
        closed_from=data["closed_from"],
        closed_to=data["closed_to"],
        with_cpr=data["with_cpr"],
        hold_reference=data["hold_reference"],
        actor=actor,
    )
    name = (
        f"spor-arkiv-{actor.membership.municipality.code}-"
        f"{data['closed_from']:%Y%m%d}-{data['closed_to']:%Y%m%d}.zip"
    )
    response = HttpResponse(result.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
