"""The concern screens: thin views that read through :mod:`spor.concerns.selectors`, write
through :mod:`spor.concerns.services` and log every child shown."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from spor import cpr
from spor.accounts.access import Actor
from spor.accounts.decorators import actor_required
from spor.accounts.models import Role
from spor.audit.models import Action, Purpose
from spor.audit.services import access_log_record
from spor.concerns import forms, selectors, services
from spor.concerns.models import Concern
from spor.lib.forms import add_errors, first_error, form_submit
from spor.lib.ids import NotAnId, query_id
from spor.ops.proxies import request_context
from spor.registry import selectors as registry_selectors

# 25 rows a page: each row shown is a line in the access log and a row to render, and a
# page's time should not be several times a short list's (issue #18).
PAGE_SIZE = 25
MSG_CPR_NOT_FOUND = "Der er intet barn med dette CPR-nummer i kommunen. Tjek nummeret."


def _id_param(request: HttpRequest, name: str) -> int | None:
    """``?<name>=<id>``: None when absent; 404 when it is not an id."""
    try:
        return query_id(request.GET, name)
    except NotAnId:
        raise Http404 from None


def _log_list(
    request: HttpRequest,
    actor: Actor,
    concerns: Iterable[Concern | selectors.ConcernRow],
    what: str,
) -> None:
    access_log_record(
        actor=actor,
        child_ids=[c.child_id for c in concerns if c.child_id is not None],
        action=Action.LIST,
        purpose=Purpose.CASEWORK,
        what=what,
        context=request_context(request),
    )


# --------------------------------------------------------------------------- lists


@actor_required
def concern_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Mine bekymringer (raised by me or mine to follow up); ``vis=alle`` shows every concern
    the actor may see, ``lukkede=1`` includes the closed ones."""
    show_all = request.GET.get("vis") == "alle"
    with_closed = request.GET.get("lukkede") == "1"
    qs = selectors.concerns_for(actor) if show_all else selectors.my_concerns(actor)
    if not with_closed:
        qs = selectors.open_concerns(qs)
    today = timezone.localdate()
    page = selectors.concern_page(
        qs.order_by("follow_up_on", "pk"), request.GET.get("side"), size=PAGE_SIZE, today=today
    )
    _log_list(request, actor, page.rows, "Liste over bekymringer")
    return render(
        request,
        "concerns/concern_list.html",
        {
            "page": page,
            "show_all": show_all,
            "with_closed": with_closed,
            "count_cap": f"{selectors.COUNT_CAP:,}".replace(",", "."),  # Danish: 1.000
            "today": today,
        },
    )


@actor_required
def child_concerns(request: HttpRequest, actor: Actor, child_id: int) -> HttpResponse:
    """Every concern about one child that the actor may see, open and closed."""
    child = registry_selectors.get_child_for_user(actor, child_id)
    concerns = selectors.concern_rows(
        selectors.concerns_about_child(actor, child), timezone.localdate()
    )
    access_log_record(
        actor=actor,
        child_ids=[child.pk],
        action=Action.VIEW,
        purpose=Purpose.CASEWORK,
        what="Bekymringer om barnet",
        context=request_context(request),
    )
    return render(
        request,
        "concerns/child_concerns.html",
        {"child": child, "concerns": concerns, "today": timezone.localdate()},
    )


# --------------------------------------------------------------------------- overdue


@actor_required
def overdue_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    """My overdue concerns and those due today; PPR also gets the overviews."""
    return _person_overdue(request, actor, actor.membership.pk)


@actor_required
def overdue_person(request: HttpRequest, actor: Actor, membership_id: int) -> HttpResponse:
    return _person_overdue(request, actor, membership_id)


def _person_overdue(request: HttpRequest, actor: Actor, membership_id: int) -> HttpResponse:
    person = selectors.get_person_for_overdue(actor, membership_id)
    today = timezone.localdate()
    theirs = selectors.concerns_for(actor).filter(responsible=person)
    late = selectors.concern_rows(selectors.overdue(theirs, today), today)
    due_today = selectors.concern_rows(selectors.due_between(theirs, today, today), today)
    _log_list(request, actor, [*late, *due_today], "Forfaldne bekymringer pr. person")
    return render(
        request,
        "concerns/overdue_person.html",
        {
            "person": person,
            "is_me": person.pk == actor.membership.pk,
            "late": late,
            "due_today": due_today,
            "today": today,
        },
    )


@actor_required
def overdue_people(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Everyone with overdue concerns, most first, a page at a time (a large municipality
    has a hundred people with some)."""
    rows = selectors.overdue_per_person(actor, timezone.localdate())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(request, "concerns/overdue_people.html", {"page": page})


@actor_required
def overdue_units(request: HttpRequest, actor: Actor) -> HttpResponse:
    rows = selectors.overdue_per_unit(actor, timezone.localdate())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(request, "concerns/overdue_units.html", {"page": page})


@actor_required
def overdue_unit(request: HttpRequest, actor: Actor, institution_id: int) -> HttpResponse:
    institution = selectors.get_unit_for_overdue(actor, institution_id)
    today = timezone.localdate()
    late = selectors.concern_rows(selectors.overdue_in_unit(actor, institution, today), today)
    _log_list(request, actor, late, f"Forfaldne bekymringer: {institution.name}")
    return render(
        request,
        "concerns/overdue_unit.html",
        {"institution": institution, "late": late, "today": today},
    )


# --------------------------------------------------------------------------- create


@actor_required
def concern_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    """New concern about ``?barn=<child_id>`` or ``?gruppe=<group_id>`` (one the actor sees),
    or, with neither, about a child found by CPR number. ``&vurdering=<id>`` records the
    screening assessment it came from."""
    child_id = _id_param(request, "barn")
    group_id = _id_param(request, "gruppe")
    source_id = _id_param(request, "vurdering")
    child = registry_selectors.get_child_for_user(actor, child_id) if child_id else None
    group = (
        registry_selectors.get_group_for_user(actor, group_id)
        if group_id and child is None
        else None
    )
    ask_cpr = child is None and group is None
    subjects = None
    if ask_cpr and actor.role == Role.EDUCATOR:
        subjects, ask_cpr = selectors.children_to_choose(actor), False
    form = forms.ConcernForm(
        request.POST if request.method == "POST" else None,
        staff=selectors.staff_for(actor),
        ask_cpr=ask_cpr,
        subjects=subjects,
        initial={
            "responsible": actor.membership.pk,
            "follow_up_on": timezone.localdate() + dt.timedelta(days=14),
            "category": "trivsel" if source_id else "",
            "submission": uuid.uuid4(),
        },
    )
    if request.method == "POST" and form.is_valid():
        if subjects is not None:
            child, group = form.chosen_subject()
        elif ask_cpr:
            try:
                child = selectors.find_child_by_cpr(actor, form.cleaned_data["cpr"])
            except cpr.CPRError as exc:
                form.add_error("cpr", str(exc))
            else:
                if child is None:
                    form.add_error("cpr", MSG_CPR_NOT_FOUND)
        if form.is_valid():
            try:
                concern = services.concern_raise(
                    actor=actor,
                    child=child,
                    group=group,
                    description=form.cleaned_data["description"],
                    category=form.cleaned_data["category"],
                    responsible=form.cleaned_data["responsible"],
                    follow_up_on=form.cleaned_data["follow_up_on"],
                    source_assessment_id=source_id,
                    submission_key=form.cleaned_data["submission"],
                    context=request_context(request),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Bekymringen er oprettet.")
                return redirect("concerns:concern_detail", concern_id=concern.pk)
        if ask_cpr:
            child = None  # a child found by CPR is not shown back on a page with errors
        if subjects is not None:
            child = group = None  # the choice stays in the form
    return render(
        request,
        "concerns/concern_form.html",
        {
            "form": form,
            "child": child,
            "group": group,
            "source_id": source_id,
            "choose": subjects is not None,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@actor_required
def person_search(request: HttpRequest, actor: Actor) -> JsonResponse:
    """``?q=ann``: up to ten active staff of the actor's municipality whose name holds what
    was typed, for the "Ansvarlig" field's suggestions. No one of another municipality."""
    search = forms.PersonSearchForm(request.GET)
    if not search.is_valid():
        return JsonResponse({"results": [], "error": first_error(search)}, status=400)
    text = search.cleaned_data["q"]
    found = selectors.search_people(selectors.staff_for(actor), text) if len(text) >= 2 else []
    return JsonResponse(
        {
            "results": [
                {"id": m.pk, "label": selectors.person_label(m), "role": m.get_role_display()}
                for m in found
            ]
        }
    )


# --------------------------------------------------------------------------- detail


def _detail_forms(actor: Actor, concern: Concern) -> dict[str, django_forms.Form]:
    staff = selectors.staff_for(actor)
    return {
        "note_form": forms.NoteForm(prefix="note"),
        "state_form": forms.StateForm(prefix="status", initial={"state": concern.state}),
        "follow_up_form": forms.FollowUpForm(
            prefix="opf", initial={"follow_up_on": concern.follow_up_on}
        ),
        "responsible_form": forms.ResponsibleForm(
            prefix="ansvarlig", staff=staff, initial={"responsible": concern.responsible_id}
        ),
        "close_form": forms.CloseForm(prefix="luk"),
    }


def _render_detail(
    request: HttpRequest,
    actor: Actor,
    concern: Concern,
    *,
    bound: dict[str, django_forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    events = list(selectors.events_of(actor, concern))
    if concern.child_id is not None:
        access_log_record(
            actor=actor,
            child_ids=[concern.child_id],
            action=Action.VIEW,
            purpose=Purpose.CASEWORK,
            what=f"Bekymring: {concern.get_category_display()}",
            context=request_context(request),
        )
    context: dict[str, Any] = {
        "concern": concern,
        "events": events,
        "may_manage": selectors.may_manage(actor, concern),
        "today": timezone.localdate(),
        "child_visible": registry_selectors.may_see_child(actor, concern.child_id),
        "case_ids": selectors.cases_started_from(actor, concern),
        **_detail_forms(actor, concern),
        **(bound or {}),
    }
    return render(request, "concerns/concern_detail.html", context, status=status)


@actor_required
def concern_detail(request: HttpRequest, actor: Actor, concern_id: int) -> HttpResponse:
    concern = selectors.get_concern_for_user(actor, concern_id)
    return _render_detail(request, actor, concern)


def _action(
    request: HttpRequest,
    actor: Actor,
    concern_id: int,
    *,
    name: str,
    make_form: Callable[[Any], django_forms.Form],
    run: Callable[[Concern, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """One change to a concern: GET goes to the concern's page, POST validates the form and
    calls one service; a bad form shows the page again with the errors (400)."""
    concern = selectors.get_concern_for_user(actor, concern_id)
    detail_url = reverse("concerns:concern_detail", kwargs={"concern_id": concern.pk})
    if request.method != "POST":
        return redirect(f"{detail_url}#{name}")
    form = make_form(request.POST)
    submitted = form_submit(
        request,
        form,
        lambda data: run(concern, data),
        done=done,
        not_allowed=services.MSG_NOT_ALLOWED,
    )
    if submitted == "done":
        return redirect(detail_url)
    if submitted == "forbidden":
        return _render_detail(request, actor, concern, status=403)
    return _render_detail(request, actor, concern, bound={name: form}, status=400)


@actor_required
def concern_note(request: HttpRequest, actor: Actor, concern_id: int) -> HttpResponse:
    return _action(
        request,
        actor,
        concern_id,
        name="note_form",
        make_form=lambda data: forms.NoteForm(data, prefix="note"),
        run=lambda c, d: services.concern_note_add(
            actor=actor, concern=c, text=d["text"], context=request_context(request)
        ),
        done="Notatet er gemt.",
    )


@actor_required
def concern_state(request: HttpRequest, actor: Actor, concern_id: int) -> HttpResponse:
    return _action(
        request,
        actor,
        concern_id,
        name="state_form",
        make_form=lambda data: forms.StateForm(data, prefix="status"),
        run=lambda c, d: services.concern_update_state(
            actor=actor,
            concern=c,
            state=d["state"],
            text=d["text"],
            context=request_context(request),
        ),
        done="Status er ændret.",
    )


@actor_required
def concern_responsible(request: HttpRequest, actor: Actor, concern_id: int) -> HttpResponse:
    return _action(
        request,
        actor,
        concern_id,
        name="responsible_form",
        make_form=lambda data: forms.ResponsibleForm(
            data, prefix="ansvarlig", staff=selectors.staff_for(actor)
        ),
        run=lambda c, d: services.concern_update_responsible(
            actor=actor,
            concern=c,
            responsible=d["responsible"],
            text=d["text"],
            context=request_context(request),
        ),
        done="Den ansvarlige er skiftet.",
    )


@actor_required
def concern_follow_up(request: HttpRequest, actor: Actor, concern_id: int) -> HttpResponse:
    return _action(
        request,
        actor,
        concern_id,
        name="follow_up_form",
        make_form=lambda data: forms.FollowUpForm(data, prefix="opf"),
        run=lambda c, d: services.concern_update_follow_up(
            actor=actor,
            concern=c,
            follow_up_on=d["follow_up_on"],
            text=d["text"],
            context=request_context(request),
        ),
        done="Opfølgningsdatoen er flyttet.",
    )


@actor_required
def concern_close(request: HttpRequest, actor: Actor, concern_id: int) -> HttpResponse:
    return _action(
        request,
        actor,
        concern_id,
        name="close_form",
        make_form=lambda data: forms.CloseForm(data, prefix="luk"),
        run=lambda c, d: services.concern_close(
            actor=actor,
            concern=c,
            outcome=d["outcome"],
            underretning_on=d["underretning_on"],
            text=d["text"],
            context=request_context(request),
        ),
        done="Bekymringen er lukket.",
    )
