"""Programme and development-plan screens: thin views that read through
:mod:`spor.programme.selectors` and write through :mod:`spor.programme.services`.

Two doors: the programme administrator's (``programme_admin_required``, keyed by
``programme_id``) and the municipality's (``actor_required``; the PPR-leder edits, PPR staff
read). Nothing here shows a child.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify

from spor.accounts.access import Actor
from spor.accounts.decorators import actor_required
from spor.evaluation.national.access import evaluated_programmes
from spor.lib.forms import add_errors, form_status
from spor.programme import exports, forms, outcomes, selectors, services
from spor.programme.access import ProgrammeActor, administered_programmes, programme_admin_required
from spor.programme.models import DevelopmentPlan, Initiative
from spor.survey.selectors import latest_self_assessment

# --------------------------------------------------------------------------- everyone


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The programmes one administers, and those one's municipality takes part in."""
    actor: Actor | None = getattr(request, "actor", None)
    participations = selectors.participations_for(actor) if actor is not None else []
    administered = administered_programmes(request.user)
    # An administrator reaches the evaluation from the programme's menu; listed here only
    # for the programmes one evaluates without administering them.
    evaluated = [p for p in evaluated_programmes(request.user) if p not in administered]
    return render(
        request,
        "programme/index.html",
        {
            "administered": administered,
            "evaluated": evaluated,
            "participations": participations,
            "may_edit": actor is not None and selectors.may_edit_plan(actor),
            "may_read": actor is not None and selectors.may_read_plans(actor),
        },
    )


@login_required
def framework(request: HttpRequest) -> HttpResponse:
    """The faglige pejlemærker (a public framework), newest version unless ``?version=``."""
    versions = selectors.frameworks()
    if not versions:
        raise Http404
    wanted = request.GET.get("version", "")
    chosen = next((v for v in versions if v.version == wanted), versions[-1])
    return render(
        request,
        "programme/framework.html",
        {
            "versions": versions,
            "framework": chosen,
            "benchmarks": selectors.framework_with_items(chosen),
        },
    )


# --------------------------------------------------------------------------- programme admin


@programme_admin_required
def programme_detail(request: HttpRequest, pactor: ProgrammeActor) -> HttpResponse:
    return render(
        request, "programme/programme_detail.html", {"page": selectors.programme_page(pactor)}
    )


@programme_admin_required
def programme_update(request: HttpRequest, pactor: ProgrammeActor) -> HttpResponse:
    p = pactor.programme
    form = forms.ProgrammeForm(
        request.POST if request.method == "POST" else None,
        initial={
            "name": p.name,
            "funder": p.funder,
            "description": p.description,
            "start_on": p.start_on,
            "end_on": p.end_on,
            "grant_pool": f"{p.grant_pool:.0f}"
            if p.grant_pool == int(p.grant_pool)
            else p.grant_pool,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(actor=pactor, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Programmet er gemt.")
            return redirect("programme:programme_detail", programme_id=p.pk)
    return render(
        request,
        "programme/programme_form.html",
        {"form": form, "programme": p},
        status=form_status(form),
    )


@programme_admin_required
def participation_add(request: HttpRequest, pactor: ProgrammeActor) -> HttpResponse:
    p = pactor.programme
    form = forms.ParticipationForm(
        request.POST if request.method == "POST" else None,
        municipalities=selectors.municipalities_outside(pactor),
        initial={"extra_staff": 0},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.participation_add(actor=pactor, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Kommunen er med i programmet.")
            return redirect("programme:programme_detail", programme_id=p.pk)
    return render(
        request,
        "programme/participation_form.html",
        {"form": form, "programme": p, "participation": None},
        status=form_status(form),
    )


@programme_admin_required
def participation_update(
    request: HttpRequest, pactor: ProgrammeActor, programmeparticipation_id: int
) -> HttpResponse:
    p = pactor.programme
    participation = selectors.get_participation_in_programme(pactor, programmeparticipation_id)
    form = forms.ParticipationForm(
        request.POST if request.method == "POST" else None,
        initial={
            "grant": f"{participation.grant:.0f}",
            "extra_staff": participation.extra_staff,
            "staff_note": participation.staff_note,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.participation_update(
                actor=pactor, participation=participation, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"{participation.municipality.name} er gemt.")
            return redirect("programme:programme_detail", programme_id=p.pk)
    return render(
        request,
        "programme/participation_form.html",
        {"form": form, "programme": p, "participation": participation},
        status=form_status(form),
    )


@programme_admin_required
def programme_plan(
    request: HttpRequest, pactor: ProgrammeActor, developmentplan_id: int
) -> HttpResponse:
    """A municipality's plan as the programme administrator reads it."""
    plan, initiatives = selectors.get_plan_in_programme(pactor, developmentplan_id)
    return render(
        request,
        "programme/plan_detail.html",
        {
            "plan": plan,
            "programme": pactor.programme,
            "initiatives": initiatives,
            "may_edit": False,
            "national": True,
        },
    )


def _overview(
    request: HttpRequest, pactor: ProgrammeActor, *, milestones: bool = True
) -> tuple[Any, selectors.OverviewFilter, selectors.Overview, selectors.Initiatives]:
    everything = selectors.initiatives(pactor, milestones=milestones)
    form = forms.OverviewFilterForm(
        request.GET, benchmarks=everything.benchmarks, municipalities=everything.municipalities
    )
    form.is_valid()
    d = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    f = selectors.OverviewFilter(
        benchmark=d.get("pejlemaerke") or None,
        municipality=d.get("kommune") or None,
        level=d.get("niveau") or "",
        scope=d.get("art") or "",
        target=d.get("maalgruppe") or "",
        age=d.get("alder") or "",
        status=d.get("status") or "",
        text=(d.get("tekst") or "").strip(),
    )
    return form, f, selectors.overview(everything, f), everything


@programme_admin_required
def initiative_overview(request: HttpRequest, pactor: ProgrammeActor) -> HttpResponse:
    # The page shows no milestones.
    form, f, data, everything = _overview(request, pactor, milestones=False)
    return render(
        request,
        "programme/overview.html",
        {
            "form": form,
            "filter": f,
            "data": data,
            "outcomes": outcomes.for_programme(pactor, everything.lines),
            "programme": pactor.programme,
            "query": request.GET.urlencode(),
            "printed": timezone.localdate(),
        },
    )


@programme_admin_required
def initiative_export(request: HttpRequest, pactor: ProgrammeActor) -> HttpResponse:
    _, f, data, _ = _overview(request, pactor)
    name = slugify(pactor.programme.name)[:40] or "program"
    response = HttpResponse(
        exports.workbook(data, f),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="initiativer-{name}-{timezone.localdate():%Y-%m-%d}.xlsx"'
    )
    return response


# --------------------------------------------------------------------------- municipality


@actor_required
def plan_create(request: HttpRequest, actor: Actor, programmeparticipation_id: int) -> HttpResponse:
    participation = selectors.get_participation_for_user(actor, programmeparticipation_id)
    existing = selectors.plan_exists(participation)
    if existing is not None:
        return redirect("programme:plan_detail", developmentplan_id=existing.pk)
    if not selectors.may_edit_plan(actor):
        raise Http404
    form = forms.PlanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.development_plan_create(
                actor=actor, programme=participation.programme, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Udviklingsplanen er oprettet. Tilføj nu initiativerne.")
            return redirect("programme:plan_detail", developmentplan_id=plan.pk)
    return render(
        request,
        "programme/plan_form.html",
        {"form": form, "programme": participation.programme, "plan": None},
        status=form_status(form),
    )


@actor_required
def plan_detail(request: HttpRequest, actor: Actor, developmentplan_id: int) -> HttpResponse:
    plan = selectors.get_developmentplan_for_user(actor, developmentplan_id)
    return render(
        request,
        "programme/plan_detail.html",
        {
            "plan": plan,
            "programme": plan.participation.programme,
            "initiatives": selectors.plan_initiatives(plan),
            "may_edit": selectors.may_edit_plan(actor),
            "national": False,
            # The staff survey's pejlemærke self-assessment feeds the plan's analysis.
            "self_assessment": latest_self_assessment(actor),
        },
    )


@actor_required
def plan_update(request: HttpRequest, actor: Actor, developmentplan_id: int) -> HttpResponse:
    plan = selectors.get_developmentplan_for_user(actor, developmentplan_id)
    if not selectors.may_edit_plan(actor):
        raise Http404
    form = forms.PlanForm(
        request.POST if request.method == "POST" else None,
        initial={
            "title": plan.title,
            "ambition": plan.ambition,
            "analysis": plan.analysis,
            "goals": plan.goals,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.development_plan_update(actor=actor, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Udviklingsplanen er gemt.")
            return redirect("programme:plan_detail", developmentplan_id=plan.pk)
    return render(
        request,
        "programme/plan_form.html",
        {"form": form, "programme": plan.participation.programme, "plan": plan},
        status=form_status(form),
    )


def _initiative_page(
    request: HttpRequest, actor: Actor, plan: DevelopmentPlan, item: Initiative | None
) -> HttpResponse:
    if not selectors.may_edit_plan(actor):
        raise Http404
    programme = plan.participation.programme
    initial: dict[str, Any] = {"status": "planlagt"}
    if item is not None:
        initial = {
            "title": item.title,
            "description": item.description,
            "scope": item.scope,
            "aimed_at": item.aimed_at,
            "level": item.level,
            "target_groups": item.target_groups,
            "age_groups": item.age_groups,
            "responsible": item.responsible,
            "status": item.status,
            "benchmarks": [b.pk for b in item.benchmarks.all()],
            "interventions": [i.pk for i in item.interventions.all()],
        }
    form = forms.InitiativeForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        benchmarks=selectors.benchmarks_of(programme),
        interventions=selectors.intervention_choices(actor),
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not k.startswith("milestone_")}
        try:
            saved = services.initiative_save(
                actor=actor,
                plan=plan,
                initiative=item,
                new_milestones=form.new_milestones(),
                **data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, "Initiativet er gemt.")
            return redirect("programme:initiative_detail", initiative_id=saved.pk)
    return render(
        request,
        "programme/initiative_form.html",
        {"form": form, "plan": plan, "item": item, "programme": programme},
        status=form_status(form),
    )


@actor_required
def initiative_create(request: HttpRequest, actor: Actor, developmentplan_id: int) -> HttpResponse:
    plan = selectors.get_developmentplan_for_user(actor, developmentplan_id)
    return _initiative_page(request, actor, plan, None)


@actor_required
def initiative_detail(request: HttpRequest, actor: Actor, initiative_id: int) -> HttpResponse:
    item = selectors.get_initiative_for_user(actor, initiative_id)
    return render(
        request,
        "programme/initiative_detail.html",
        {
            "item": item,
            "plan": item.plan,
            "programme": item.plan.participation.programme,
            "uses": selectors.intervention_use(actor, item),
            "outcomes": outcomes.for_initiative(actor, item),
            "may_edit": selectors.may_edit_plan(actor),
        },
    )


@actor_required
def initiative_update(request: HttpRequest, actor: Actor, initiative_id: int) -> HttpResponse:
    item = selectors.get_initiative_for_user(actor, initiative_id)
    return _initiative_page(request, actor, item.plan, item)


@actor_required
def milestone_update(request: HttpRequest, actor: Actor, milestone_id: int) -> HttpResponse:
    milestone = selectors.get_milestone_for_user(actor, milestone_id)
    if not selectors.may_edit_plan(actor):
        raise Http404
    form = forms.MilestoneForm(
        request.POST if request.method == "POST" else None,
        initial={
            "title": milestone.title,
            "due_on": milestone.due_on,
            "done_on": milestone.done_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_update(actor=actor, milestone=milestone, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Milepælen er gemt.")
            return redirect("programme:initiative_detail", initiative_id=milestone.initiative_id)
    return render(
        request,
        "programme/milestone_form.html",
        {
            "form": form,
            "milestone": milestone,
            "programme": milestone.initiative.plan.participation.programme,
        },
        status=form_status(form),
    )
