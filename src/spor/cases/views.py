"""The case and catalogue screens: thin views that read through :mod:`spor.cases.selectors`,
write through :mod:`spor.cases.services` and log every read of a child's case."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from spor import cpr
from spor.accounts.access import Actor
from spor.accounts.decorators import actor_required
from spor.audit.models import Action, Purpose
from spor.audit.services import access_log_record
from spor.cases import forms, matching, selectors, services
from spor.cases import kle as case_kle
from spor.cases.models import Case, CaseMember, Delivery, Goal
from spor.concerns import selectors as concern_selectors
from spor.concerns.models import Concern
from spor.evaluation.disclosure import HIDDEN_LEGEND_DA, HIDDEN_MARK
from spor.lib.forms import add_errors, form_submit
from spor.lib.ids import NotAnId, query_id
from spor.measurement import needs as measurement_needs
from spor.ops.proxies import request_context
from spor.registry import selectors as registry_selectors
from spor.registry.models import Child, Group
from spor.screening import selectors as screening_selectors

PAGE_SIZE = 50
MSG_CPR_NOT_FOUND = "Der er intet barn med dette CPR-nummer i kommunen. Tjek nummeret."


def _id_param(request: HttpRequest, name: str) -> int | None:
    """``?<name>=<id>``: None when absent; 404 when it is not an id."""
    try:
        return query_id(request.GET, name)
    except NotAnId:
        raise Http404 from None


def _log_view(request: HttpRequest, actor: Actor, case: Case, what: str) -> None:
    if case.child_id is not None:
        access_log_record(
            actor=actor,
            child_ids=[case.child_id],
            action=Action.VIEW,
            purpose=Purpose.CASEWORK,
            what=what,
            context=request_context(request),
        )


def _log_list(request: HttpRequest, actor: Actor, cases: Iterable[Case], what: str) -> None:
    access_log_record(
        actor=actor,
        child_ids=[c.child_id for c in cases if c.child_id is not None],
        action=Action.LIST,
        purpose=Purpose.CASEWORK,
        what=what,
        context=request_context(request),
    )


def _case_url(case: Case, anchor: str = "") -> str:
    url = reverse("cases:case_detail", kwargs={"case_id": case.pk})
    return f"{url}#{anchor}" if anchor else url


# --------------------------------------------------------------------------- list


@actor_required
def case_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Mine forløb (the cases I am on); the PPR-leder can see all with ``vis=alle``;
    ``lukkede=1`` includes the closed ones."""
    show_all = actor.is_lead and request.GET.get("vis") == "alle"
    with_closed = request.GET.get("lukkede") == "1"
    qs = selectors.cases_for(actor) if show_all else selectors.my_cases(actor)
    page = selectors.case_list_page(
        actor, selectors.case_list(qs, with_closed=with_closed), request.GET.get("side"), PAGE_SIZE
    )
    _log_list(request, actor, page.object_list, "Liste over forløb")
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "show_all": show_all,
            "with_closed": with_closed,
            "may_open": selectors.may_open(actor),
        },
    )


# --------------------------------------------------------------------------- open


@actor_required
def case_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Open a case about ``?barn=<child_id>``, ``?gruppe=<group_id>`` or from
    ``?bekymring=<concern_id>`` (its child or group); with none of them, about a child found
    by CPR number. ``&vurdering=<id>`` records the screening assessment it came from: an
    agreed position about that child the actor may see, or 404."""
    if not selectors.may_open(actor):
        raise Http404
    concern_id = _id_param(request, "bekymring")
    child_id = _id_param(request, "barn")
    group_id = _id_param(request, "gruppe")
    source_id = _id_param(request, "vurdering")
    concern: Concern | None = None
    child: Child | None = None
    group: Group | None = None
    if concern_id:
        concern = concern_selectors.get_concern_for_user(actor, concern_id)
        child, group = concern.child, concern.group
    elif child_id:
        child = registry_selectors.get_child_for_user(actor, child_id)
    elif group_id:
        group = registry_selectors.get_group_for_user(actor, group_id)
    if source_id:
        source = screening_selectors.get_assessment_for_user(actor, source_id)
        if child is None or source.child_id != child.pk:
            raise Http404
    ask_cpr = child is None and group is None
    form = forms.CaseForm(
        request.POST if request.method == "POST" else None,
        staff=selectors.staff_for(actor),
        ask_cpr=ask_cpr,
        about_child=child is not None,
        initial={
            "coordinator": actor.membership.pk,
            "opened_on": timezone.localdate(),
            "level": "foregribende",
            "kle_number": case_kle.default(),
        },
    )
    if request.method == "POST" and form.is_valid():
        if ask_cpr:
            try:
                child = concern_selectors.find_child_by_cpr(actor, form.cleaned_data["cpr"])
            except cpr.CPRError as exc:
                form.add_error("cpr", str(exc))
            else:
                if child is None:
                    form.add_error("cpr", MSG_CPR_NOT_FOUND)
        if form.is_valid():
            try:
                case = services.case_open(
                    actor=actor,
                    title=form.cleaned_data["title"],
                    level=form.cleaned_data["level"],
                    kle_number=form.cleaned_data["kle_number"],
                    child=child,
                    group=group,
                    source_concern=concern,
                    source_assessment_id=source_id,
                    opened_on=form.cleaned_data["opened_on"],
                    coordinator=form.cleaned_data["coordinator"],
                    specialised_at_start={
                        f.name: bool(form.cleaned_data.get(f.name)) for f in form.specialised_fields
                    },
                    context=request_context(request),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Forløbet er startet.")
                return redirect("cases:case_detail", case_id=case.pk)
        if ask_cpr:
            child = None  # a child found by CPR is not shown back on a page with errors
    elif child is not None:
        access_log_record(
            actor=actor,
            child_ids=[child.pk],
            action=Action.VIEW,
            purpose=Purpose.CASEWORK,
            what="Nyt forløb (formular)",
            context=request_context(request),
        )
    return render(
        request,
        "cases/case_form.html",
        {"form": form, "child": child, "group": group, "concern": concern, "source_id": source_id},
        status=400 if form.is_bound and form.errors else 200,
    )


# --------------------------------------------------------------------------- case page


def _detail_forms(actor: Actor, case: Case, *, may_work: bool) -> dict[str, Any]:
    """The forms the page shows: the note to the team, the rest to the team of an open case.
    The team is read once for its two selects (a model choice field reads its queryset again
    each time it is drawn)."""
    if not may_work:
        return {}
    shown: dict[str, Any] = {"note_form": forms.NoteForm(prefix="notat")}
    if not case.is_open:
        return shown
    team = selectors.team_memberships(actor, case)
    goal_form = forms.GoalForm(prefix="maal", team=team)
    coordinator_form = forms.CoordinatorForm(prefix="tovholder", team=team)
    forms.team_choices(
        list(team), goal_form.fields["responsible"], coordinator_form.fields["membership"]
    )
    return {
        **shown,
        "participant_form": forms.ParticipantForm(prefix="deltager"),
        "goal_form": goal_form,
        "meeting_form": forms.MeetingForm(
            prefix="moede", initial={"held_on": timezone.localdate()}
        ),
        "coordinator_form": coordinator_form,
    }


def _render_detail(
    request: HttpRequest,
    actor: Actor,
    case: Case,
    *,
    bound: dict[str, Any] | None = None,
    bound_goal: tuple[int, django_forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    page = selectors.case_page(actor, case)
    may_work = actor.is_lead or any(
        m.membership_id == actor.membership.pk for m in page.current_members
    )
    # A goal's form is drawn only for the team of an open case.
    goal_forms_shown = may_work and case.is_open
    goal_forms = [
        (
            goal,
            bound_goal[1]
            if bound_goal and bound_goal[0] == goal.pk
            else forms.GoalUpdateForm(
                prefix=f"maal{goal.pk}",
                initial={"status": goal.status, "follow_up_on": goal.follow_up_on},
            )
            if goal_forms_shown
            else None,
        )
        for goal in page.goals
    ]
    _log_view(request, actor, case, "Forløbets side")
    context: dict[str, Any] = {
        "case": case,
        "page": page,
        "goal_forms": goal_forms,
        "may_work": may_work,
        "today": timezone.localdate(),
        "suggestions": selectors.suggest_interventions(
            actor,
            case,
            sdq_bands=measurement_needs.baseline_bands(actor, case),
            deliveries=page.deliveries,
        ).items[:5]
        if case.is_open
        else [],
        "child_visible": registry_selectors.may_see_child(actor, case.child),
        **_detail_forms(actor, case, may_work=may_work),
        **(bound or {}),
    }
    return render(request, "cases/case_detail.html", context, status=status)


@actor_required
def case_detail(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    case = selectors.get_case_for_user(actor, case_id)
    return _render_detail(request, actor, case)


def _action(
    request: HttpRequest,
    actor: Actor,
    case: Case,
    *,
    name: str,
    make_form: Callable[[Any], django_forms.Form],
    run: Callable[[dict[str, Any]], Any],
    done: str,
    goal_id: int | None = None,
) -> HttpResponse:
    """One change on the case page: GET goes to the page, POST validates the form and calls
    one service; a bad form shows the page again with the errors (400)."""
    if request.method != "POST":
        return redirect(_case_url(case, name))
    form = make_form(request.POST)
    # A refusal about no field (a closed case) goes at the top of the page too, where it is
    # seen also when the form is not shown.
    submitted = form_submit(
        request,
        form,
        run,
        done=done,
        not_allowed=services.MSG_NOT_ALLOWED,
        plain_errors_on_top=True,
    )
    if submitted == "done":
        return redirect(_case_url(case, name))
    if submitted == "forbidden":
        return _render_detail(request, actor, case, status=403)
    if goal_id is not None:
        return _render_detail(request, actor, case, bound_goal=(goal_id, form), status=400)
    return _render_detail(request, actor, case, bound={name: form}, status=400)


@actor_required
def note_add(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    case = selectors.get_case_for_user(actor, case_id)
    return _action(
        request,
        actor,
        case,
        name="note_form",
        make_form=lambda data: forms.NoteForm(data, prefix="notat"),
        run=lambda d: services.case_note_add(
            actor=actor, case=case, text=d["text"], context=request_context(request)
        ),
        done="Notatet er gemt.",
    )


@actor_required
def participant_add(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    case = selectors.get_case_for_user(actor, case_id)
    return _action(
        request,
        actor,
        case,
        name="participant_form",
        make_form=lambda data: forms.ParticipantForm(data, prefix="deltager"),
        run=lambda d: services.participant_add(
            actor=actor,
            case=case,
            name=d["name"],
            relation=d["relation"],
            contact=d["contact"],
            context=request_context(request),
        ),
        done="Deltageren er tilføjet.",
    )


@actor_required
def coordinator_change(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    case = selectors.get_case_for_user(actor, case_id)
    return _action(
        request,
        actor,
        case,
        name="coordinator_form",
        make_form=lambda data: forms.CoordinatorForm(
            data, prefix="tovholder", team=selectors.team_memberships(actor, case)
        ),
        run=lambda d: services.case_coordinator_change(
            actor=actor, case=case, membership=d["membership"], context=request_context(request)
        ),
        done="Tovholderen er skiftet.",
    )


@actor_required
def goal_add(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    case = selectors.get_case_for_user(actor, case_id)
    return _action(
        request,
        actor,
        case,
        name="goal_form",
        make_form=lambda data: forms.GoalForm(
            data, prefix="maal", team=selectors.team_memberships(actor, case)
        ),
        run=lambda d: services.goal_add(
            actor=actor,
            case=case,
            text=d["text"],
            child_words=d["child_words"],
            responsible=d["responsible"],
            follow_up_on=d["follow_up_on"],
            context=request_context(request),
        ),
        done="Målet er gemt.",
    )


@actor_required
def goal_update(request: HttpRequest, actor: Actor, goal_id: int) -> HttpResponse:
    goal: Goal = selectors.get_goal_for_user(actor, goal_id)
    return _action(
        request,
        actor,
        goal.case,
        name=f"maal-{goal.pk}",
        make_form=lambda data: forms.GoalUpdateForm(
            data, prefix=f"maal{goal.pk}", current_follow_up=goal.follow_up_on
        ),
        run=lambda d: services.goal_update(
            actor=actor,
            goal=goal,
            status=d["status"],
            follow_up_on=d["follow_up_on"],
            note=d["note"],
            context=request_context(request),
        ),
        done="Målet er fulgt op.",
        goal_id=goal.pk,
    )


@actor_required
def meeting_add(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    case = selectors.get_case_for_user(actor, case_id)
    return _action(
        request,
        actor,
        case,
        name="meeting_form",
        make_form=lambda data: forms.MeetingForm(data, prefix="moede"),
        run=lambda d: services.meeting_add(
            actor=actor,
            case=case,
            held_on=d["held_on"],
            participants=d["participants"],
            decisions=d["decisions"],
            next_steps=d["next_steps"],
            context=request_context(request),
        ),
        done="Mødet er gemt.",
    )


@actor_required
def member_leave(request: HttpRequest, actor: Actor, casemember_id: int) -> HttpResponse:
    member: CaseMember = selectors.get_casemember_for_user(actor, casemember_id)
    case = member.case
    if request.method != "POST":
        return redirect(_case_url(case, "team"))
    try:
        services.case_member_leave(actor=actor, member=member, context=request_context(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or services.MSG_NOT_ALLOWED)
        return _render_detail(request, actor, case, status=403)
    else:
        messages.success(request, "Personen er stoppet i teamet.")
    return redirect(_case_url(case, "team"))


# --------------------------------------------------------------------------- own pages


def _may_work_or_404(actor: Actor, case: Case) -> None:
    """Pages that only change a case (add a member, a delivery, close) are for those who
    may change it: the team and the lead see the case, so this only bites on closed cases."""
    if not selectors.may_work_on(actor, case):
        raise Http404


@actor_required
def member_add(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    case = selectors.get_case_for_user(actor, case_id)
    _may_work_or_404(actor, case)
    staff = selectors.staff_for(actor)
    form = forms.MemberForm(request.POST if request.method == "POST" else None, staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_member_add(
                actor=actor,
                case=case,
                membership=form.cleaned_data["membership"],
                role=form.cleaned_data["role"],
                basis=form.basis_text(),
                context=request_context(request),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Personen er med i teamet.")
            return redirect(_case_url(case, "team"))
    else:
        _log_view(request, actor, case, "Forløb: nyt teammedlem")
    return render(
        request,
        "cases/member_form.html",
        {"case": case, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@actor_required
def delivery_add(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """Choose an intervention for the case, with Spor's suggestions from the catalogue."""
    case = selectors.get_case_for_user(actor, case_id)
    _may_work_or_404(actor, case)
    suggestions = selectors.suggest_interventions(
        actor,
        case,
        sdq_bands=measurement_needs.baseline_bands(actor, case),
        past_pairs=functools.partial(measurement_needs.past_pairs, actor),
    )
    chosen = _id_param(request, "indsats")
    form = forms.DeliveryForm(
        request.POST if request.method == "POST" else None,
        interventions=selectors.active_interventions(actor),
        initial={"start": timezone.localdate(), "status": "planlagt", "intervention": chosen},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.delivery_add(
                actor=actor,
                case=case,
                intervention=form.cleaned_data["intervention"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                status=form.cleaned_data["status"],
                hours=form.hours(),
                note=form.cleaned_data["note"],
                context=request_context(request),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Indsatsen er iværksat i forløbet.")
            return redirect(_case_url(case, "indsatser"))
    else:
        _log_view(request, actor, case, "Forløb: iværksæt indsats")
    return render(
        request,
        "cases/delivery_form.html",
        {
            "case": case,
            "form": form,
            "suggestions": suggestions.items,
            "need": suggestions.need,
            "outcome_rows": [(sug, suggestions.outcome_of(sug)) for sug in suggestions.items],
            "has_outcomes": bool(suggestions.outcomes),
            "caveat": matching.LOCAL_CAVEAT_DA,
            "hidden_legend": HIDDEN_LEGEND_DA,
            "hidden_mark": HIDDEN_MARK,
            "delivery": None,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@actor_required
def delivery_update(request: HttpRequest, actor: Actor, delivery_id: int) -> HttpResponse:
    delivery: Delivery = selectors.get_delivery_for_user(actor, delivery_id)
    case = delivery.case
    _may_work_or_404(actor, case)
    initial: dict[str, Any] = {
        "start": delivery.start,
        "end": delivery.end,
        "status": delivery.status,
        "note": delivery.note,
        **{f"hours_{h.profession}": h.hours for h in delivery.hours.all()},
    }
    form = forms.DeliveryForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.delivery_update(
                actor=actor,
                delivery=delivery,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                status=form.cleaned_data["status"],
                hours=form.hours(),
                note=form.cleaned_data["note"],
                context=request_context(request),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Indsatsen er opdateret.")
            return redirect(_case_url(case, "indsatser"))
    else:
        _log_view(request, actor, case, "Forløb: ret indsats")
    return render(
        request,
        "cases/delivery_form.html",
        {"case": case, "form": form, "suggestions": [], "delivery": delivery},
        status=400 if form.is_bound and form.errors else 200,
    )


@actor_required
def case_close(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    case = selectors.get_case_for_user(actor, case_id)
    _may_work_or_404(actor, case)
    if not case.is_open:
        messages.error(request, services.MSG_CLOSED)
        return redirect(_case_url(case))
    form = forms.CloseForm(
        request.POST if request.method == "POST" else None,
        about_child=case.child_id is not None,
        initial={"closed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.case_close(
                actor=actor,
                case=case,
                outcome=form.cleaned_data["outcome"],
                closed_on=form.cleaned_data["closed_on"],
                specialised_at_close=form.specialised(),
                note=form.cleaned_data["note"],
                context=request_context(request),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Forløbet er afsluttet.")
            return redirect(_case_url(case))
    else:
        _log_view(request, actor, case, "Forløb: afslut")
    return render(
        request,
        "cases/case_close.html",
        {"case": case, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


# --------------------------------------------------------------------------- catalogue


def _catalogue_or_404(actor: Actor) -> None:
    if not selectors.may_see_catalogue(actor):
        raise Http404


@actor_required
def intervention_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    _catalogue_or_404(actor)
    show_inactive = request.GET.get("inaktive") == "1"
    items = selectors.interventions_for(actor).order_by("level", "name")
    if not show_inactive:
        items = items.filter(active=True)
    return render(
        request,
        "cases/intervention_list.html",
        {
            "items": items,
            "show_inactive": show_inactive,
            "may_edit": selectors.may_edit_catalogue(actor),
        },
    )


@actor_required
def intervention_detail(request: HttpRequest, actor: Actor, intervention_id: int) -> HttpResponse:
    item = selectors.get_intervention_for_user(actor, intervention_id)
    return render(
        request,
        "cases/intervention_detail.html",
        {"item": item, "may_edit": selectors.may_edit_catalogue(actor)},
    )


def _intervention_form_page(request: HttpRequest, actor: Actor, item: Any) -> HttpResponse:
    if not selectors.may_edit_catalogue(actor):
        raise Http404
    initial: dict[str, Any] = {"provider": "PPR", "active": True, "min_age": 0, "max_age": 18}
    if item is not None:
        initial = {
            name: getattr(item, name)
            for name in forms.InterventionForm.base_fields
            if hasattr(item, name)
        }
    form = forms.InterventionForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.intervention_save(actor=actor, intervention=item, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Indsatsen er gemt i indsatsvifte.")
            return redirect("cases:intervention_detail", intervention_id=saved.pk)
    return render(
        request,
        "cases/intervention_form.html",
        {"form": form, "item": item},
        status=400 if form.is_bound and form.errors else 200,
    )


@actor_required
def intervention_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _intervention_form_page(request, actor, None)


@actor_required
def intervention_update(request: HttpRequest, actor: Actor, intervention_id: int) -> HttpResponse:
    item = selectors.get_intervention_for_user(actor, intervention_id)
    return _intervention_form_page(request, actor, item)
