from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from spor import cpr
from spor.accounts.access import Actor
from spor.accounts.decorators import actor_required
from spor.audit.models import Action, Purpose
from spor.audit.services import access_log_record
from spor.lib.forms import first_error
from spor.ops.proxies import request_context
from spor.registry import selectors
from spor.registry.forms import ChildSearchForm, InstitutionSearchForm
from spor.registry.models import Child

PAGE_SIZE = 50


@actor_required
def institution_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The institutions the actor may see, a page at a time, searchable by name and kind: a
    municipality has hundreds, and the page used to render every one of them."""
    search = InstitutionSearchForm(request.GET)
    query = kind = ""
    if search.is_valid():
        query, kind = search.cleaned_data["q"], search.cleaned_data["type"]
    institutions = selectors.institutions_for(actor)
    if query:
        institutions = institutions.filter(name__icontains=query)
    if kind:
        institutions = institutions.filter(kind=kind)
    page = Paginator(institutions.order_by("name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("side")
    )
    return render(
        request,
        "registry/institution_list.html",
        {"page": page, "search": search, "query_error": first_error(search)},
        status=400 if search.errors else 200,
    )


@actor_required
def institution_detail(request: HttpRequest, actor: Actor, institution_id: int) -> HttpResponse:
    institution = selectors.get_institution_for_user(actor, institution_id)
    groups = selectors.groups_for(actor).filter(institution=institution)
    return render(
        request,
        "registry/institution_detail.html",
        {"institution": institution, "groups": groups},
    )


@actor_required
def group_detail(request: HttpRequest, actor: Actor, group_id: int) -> HttpResponse:
    group = selectors.get_group_for_user(actor, group_id)
    children = list(selectors.current_children_of_group(actor, group))
    access_log_record(
        actor=actor,
        child_ids=[c.pk for c in children],
        action=Action.LIST,
        purpose=Purpose.OVERVIEW,
        what=f"Gruppeliste: {group}",
        context=request_context(request),
    )
    return render(request, "registry/group_detail.html", {"group": group, "children": children})


@actor_required
def child_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Children the actor may see, searchable by name (GET) or CPR (POST, so that the
    number never appears in a URL or a server log)."""
    search = ChildSearchForm(request.GET)
    valid = search.is_valid()
    query = search.cleaned_data["q"] if valid else ""
    query_error = first_error(search)
    cpr_error = ""
    searched_cpr = False
    number = request.GET.get("side")
    page: selectors.ChildPage | Page[Child] | None = None
    if request.method == "POST":
        searched_cpr = True
        try:
            children_qs = selectors.find_children_by_cpr(actor, request.POST.get("cpr", ""))
        except cpr.CPRError as exc:
            cpr_error = str(exc)
            children_qs = selectors.children_for(actor).none()
    elif query:
        page = selectors.search_children_page(actor, query, number, size=PAGE_SIZE)
        children_qs = selectors.search_children(actor, query)
    else:
        # Read by key from the page's own links, so that a deep page costs as the first.
        page = selectors.children_page(
            actor,
            number=number,
            after=search.cleaned_data["efter"] if valid else None,
            before=search.cleaned_data["foer"] if valid else None,
            size=PAGE_SIZE,
        )
    if page is None:
        shown = children_qs.only(*selectors.LIST_FIELDS).order_by("last_name", "first_name", "id")
        page = Paginator(shown, PAGE_SIZE).get_page(number)
    count = page.paginator.count if isinstance(page, Page) else page.count
    access_log_record(
        actor=actor,
        child_ids=[c.pk for c in page.object_list],
        action=Action.LIST,
        purpose=Purpose.SEARCH,
        what="Børneliste" + (" (søgning)" if query or searched_cpr else ""),
        context=request_context(request),
    )
    return render(
        request,
        "registry/child_list.html",
        {
            "page": page,
            "count": count,
            "query": query,
            "query_error": query_error,
            "cpr_error": cpr_error,
            "searched_cpr": searched_cpr,
        },
        status=400 if cpr_error or query_error else 200,
    )


@actor_required
def child_detail(request: HttpRequest, actor: Actor, child_id: int) -> HttpResponse:
    child = selectors.get_child_for_user(actor, child_id)
    enrolments = list(selectors.enrolments_of_child(actor, child))
    access_log_record(
        actor=actor,
        child_ids=[child.pk],
        action=Action.VIEW,
        purpose=Purpose.CASEWORK,
        what="Barnets side",
        context=request_context(request),
    )
    return render(
        request,
        "registry/child_detail.html",
        {
            "child": child,
            "enrolments": enrolments,
            "transitions": selectors.transitions(enrolments),
        },
    )


@require_POST
@actor_required
def child_cpr(request: HttpRequest, actor: Actor, child_id: int) -> HttpResponse:
    """Show the full CPR number to a role that needs it, and log that it was shown."""
    child = selectors.get_child_for_user(actor, child_id)
    if not actor.may_see_full_cpr:
        return render(request, "registry/_cpr.html", {"child": child, "denied": True}, status=403)
    access_log_record(
        actor=actor,
        child_ids=[child.pk],
        action=Action.CPR_SHOWN,
        purpose=Purpose.CASEWORK,
        what="Fuldt CPR-nummer vist",
        context=request_context(request),
    )
    digits = child.cpr_digits()
    response = render(
        request, "registry/_cpr.html", {"child": child, "full": f"{digits[:6]}-{digits[6:]}"}
    )
    response["Cache-Control"] = "no-store"
    return response
