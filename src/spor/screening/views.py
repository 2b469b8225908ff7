"""Screens for trivselsvurdering: rounds, the rating grid, overviews, parents and consent.

Thin views: parse, authorise through :mod:`spor.screening.selectors`, call one service,
render. Every page that shows a child's screening writes the access log in one call.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from spor.accounts.access import Actor
from spor.accounts.decorators import actor_required, lead_required
from spor.audit.models import Action, Purpose
from spor.audit.services import access_log_record
from spor.lib import paging
from spor.lib.ids import parse_id
from spor.ops.proxies import request_context
from spor.registry import selectors as registry
from spor.registry.models import Group
from spor.screening import areas, charts, forms, services
from spor.screening import selectors as sel
from spor.screening.models import RoundGroup, ScreeningRound
from spor.screening.services import ScreeningError

AGREEMENT = "faelles"
PAGE_SIZE = 50


def _concern_url() -> str | None:
    """The colleague's "new concern" page, if it is installed."""
    try:
        return reverse("concerns:concern_create")
    except NoReverseMatch:
        return None


def _area_context(round: ScreeningRound) -> dict[str, Any]:
    return {
        "areas": round.area_list(),
        "colours": [(c, areas.COLOUR_LABELS[c]) for c in areas.COLOURS],
    }


# ---------------------------------------------------------------------------- rounds


@actor_required
def round_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    rounds = list(sel.rounds_for(actor))
    return render(
        request,
        "screening/round_list.html",
        {
            "rounds": rounds,
            "my_groups": list(sel.round_groups_for_rating(actor)),
            "may_open": sel.may_open_rounds(actor),
            "overview": sel.may_see_overview(actor),
        },
    )


@lead_required
def round_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    institutions = list(registry.institutions_for(actor).order_by("name"))
    form = forms.RoundForm(request.POST or None, institutions=institutions)
    error = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            round = services.round_open(
                actor=actor,
                name=d["name"],
                starts=d["starts"],
                ends=d["ends"],
                institution_ids=d["institutions"] if d["scope"] == "valgte" else None,
            )
        except ScreeningError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                error = exc.message
        else:
            messages.success(request, f"Runden »{round.name}« er åbnet.")
            return redirect("screening:round_overview", screeninground_id=round.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "screening/round_form.html",
        {"form": form, "error": error, "areas": areas.area_list(areas.current_definition())},
        status=status,
    )


@actor_required
def round_overview(request: HttpRequest, actor: Actor, screeninground_id: int) -> HttpResponse:
    round = sel.get_round_for_user(actor, screeninground_id)
    if not sel.may_see_overview(actor):
        return render(
            request,
            "screening/round_staff.html",
            {"round": round, "lines": sel.group_lines(actor, round)},
        )
    overview = sel.round_overview(actor, round)
    # The overview's figures tell how many groups of each institution are not done: the
    # pager counts and pages by them, without reading every group of the round.
    paginator: Paginator[RoundGroup] = Paginator(
        sel.groups_not_done(actor, round, overview), PAGE_SIZE
    )
    unrated = paginator.get_page(request.GET.get("side"))
    unrated_lines = sel.lines_for_stored(actor, round, list(unrated.object_list))
    points = sel.trend(actor)
    return render(
        request,
        "screening/round_overview.html",
        {
            "round": round,
            "overview": overview,
            "unrated": unrated,
            "unrated_lines": unrated_lines,
            "trend": points,
            "chart": charts.stacked_bars(points),
            "is_lead": actor.is_lead,
            "institution_url": _url_before_id(
                "screening:institution_overview", screeninground_id=round.pk, institution_id=0
            ),
            "grid_url": _url_before_id("screening:grid", screeninground_id=round.pk, group_id=0),
        },
    )


def _url_before_id(name: str, **kwargs: int) -> str:
    """The URL up to its last ``<…_id>/``, for a table that links every row (one reverse
    for the page, not one per row: the overview lists every institution of the round)."""
    url = reverse(name, kwargs=kwargs)
    assert url.endswith("/0/"), url
    return url[:-2]


@require_POST
@lead_required
def round_close(request: HttpRequest, actor: Actor, screeninground_id: int) -> HttpResponse:
    round = sel.get_round_for_user(actor, screeninground_id)
    services.round_close(actor=actor, round=round)
    messages.success(request, f"Runden »{round.name}« er lukket.")
    return redirect("screening:round_overview", screeninground_id=round.pk)


@actor_required
def institution_overview(
    request: HttpRequest, actor: Actor, screeninground_id: int, institution_id: int
) -> HttpResponse:
    round = sel.get_round_for_overview(actor, screeninground_id)
    institution = sel.get_institution_in_round(actor, round, institution_id)
    lines = sel.group_lines(actor, round, institution)
    points = sel.trend(actor, institution)
    total = sel.Counts()
    for line in lines:
        total.add(line.counts)
    return render(
        request,
        "screening/institution_overview.html",
        {
            "round": round,
            "institution": institution,
            "lines": lines,
            "total": total,
            "trend": points,
            "chart": charts.stacked_bars(points),
        },
    )


@actor_required
def follow_up(request: HttpRequest, actor: Actor, screeninground_id: int) -> HttpResponse:
    round = sel.get_round_for_overview(actor, screeninground_id)
    result = sel.follow_up(actor, round)
    page = paging.capped_page(
        result.named,
        request.GET.get("side"),
        size=PAGE_SIZE,
        rows=lambda part: [(a, sel.reasons(a)) for a in part],
        counted=paging.COUNT_CAP + 1 if result.capped else result.named_count,
    )
    rows = page.rows
    access_log_record(
        actor=actor,
        child_ids=[a.child_id for a, _ in rows],
        action=Action.LIST,
        purpose=Purpose.SCREENING,
        what=f"Opfølgningsliste: {round.name}",
        context=request_context(request),
    )
    return render(
        request,
        "screening/follow_up.html",
        {
            "round": round,
            "result": result,
            "page": page,
            "rows": rows,
            "concern_url": _concern_url(),
            "count_cap": f"{paging.COUNT_CAP:,}".replace(",", "."),  # Danish: 1.000
        },
    )


# ---------------------------------------------------------------------------- parents


@actor_required
def parent_notices(request: HttpRequest, actor: Actor, screeninground_id: int) -> HttpResponse:
    round = sel.get_round_for_user(actor, screeninground_id)
    groups = list(sel.round_groups(actor, round)) if not actor.sees_whole_municipality else []
    institutions = list(sel.institutions_in_round(actor, round)) if actor.is_lead else []
    form = forms.NoticeForm(request.POST or None, institutions=institutions)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            group = institution = None
            if d.get("group"):
                group = sel.get_round_group_for_user(actor, round, d["group"])
                if d.get("whole_institution"):
                    institution, group = group.institution, None
            elif d.get("institution"):
                institution = sel.get_institution_in_round(actor, round, d["institution"])
            try:
                services.parent_notice_record(
                    actor=actor,
                    round=round,
                    group=group,
                    institution=institution,
                    informed_on=d["informed_on"],
                    how=d["how"],
                    note=d["note"],
                )
            except ScreeningError as exc:
                error = exc.message
            else:
                messages.success(request, "Forældreinformationen er registreret.")
                if d.get("group") and request.POST.get("next") == "gitter":
                    return redirect(
                        "screening:grid", screeninground_id=round.pk, group_id=d["group"]
                    )
                return redirect("screening:parent_notices", screeninground_id=round.pk)
        else:
            error = "Ret fejlene i formularen."
    return render(
        request,
        "screening/parent_notices.html",
        {
            "round": round,
            "notices": list(sel.notices_of_round(actor, round)),
            "lines": [gl for gl in sel.group_lines(actor, round) if not gl.informed]
            if actor.sees_whole_municipality
            else sel.group_lines(actor, round),
            "form": form,
            "groups": groups,
            "error": error,
            "is_lead": actor.is_lead,
        },
        status=400 if error else 200,
    )


# ---------------------------------------------------------------------------- the grid


@actor_required
def grid(request: HttpRequest, actor: Actor, screeninground_id: int, group_id: int) -> HttpResponse:
    """The rating grid of a group for its staff; the group's counts for PPR."""
    if request.method == "POST" and request.POST.get("handling") == "raekke":
        return _save_row(request, actor, screeninground_id, group_id)
    found = sel.get_round_and_group_for_user(actor, screeninground_id, group_id)
    round, group = found.round, found.group
    if not found.on_staff:
        if request.method == "POST" or not sel.may_see_overview(actor):
            raise Http404
        lines = sel.group_lines(actor, round, group.institution)
        line = next(gl for gl in lines if gl.group.pk == group.pk)
        return render(request, "screening/group_summary.html", {"round": round, "line": line})

    agreement = (request.POST.get("vurdering") or request.GET.get("vurdering")) == AGREEMENT
    if request.method == "POST":
        action = request.POST.get("handling", "gem")
        if action == "fra-egne":
            try:
                n = services.agreement_from_own(
                    actor=actor, round=round, group=group, context=request_context(request)
                )
            except ScreeningError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, f"Fælles vurdering startet ud fra egne vurderinger for {n} børn."
                )
            return redirect(_grid_url(round.pk, group.pk, agreement=True))
        return _save_grid(request, actor, round, group, agreement)
    return _render_grid(request, actor, round, group, agreement)


def _grid_url(round_id: int, group_id: int, *, agreement: bool) -> str:
    url = reverse("screening:grid", kwargs={"screeninground_id": round_id, "group_id": group_id})
    return url + ("?vurdering=faelles" if agreement else "")


def _render_grid(
    request: HttpRequest,
    actor: Actor,
    round: ScreeningRound,
    group: Group,
    agreement: bool,
    *,
    posted: dict[int, services.RowInput] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    rows = sel.grid_rows(actor, round, group, agreement=agreement)
    if posted:
        for row in rows:
            row.posted = posted.get(row.child.pk)
    for row in rows:
        row.cells = _cells(round, row)
    access_log_record(
        actor=actor,
        child_ids=[r.child.pk for r in rows],
        action=Action.LIST,
        purpose=Purpose.SCREENING,
        what=f"Trivselsvurdering: {round.name}, {group.name}",
        context=request_context(request),
    )
    return render(
        request,
        "screening/grid.html",
        {
            "round": round,
            "group": group,
            "rows": rows,
            "agreement": agreement,
            "notice": sel.parents_informed(round, group),
            "notice_form": forms.NoticeForm(initial={"group": group.pk}),
            "error": error,
            "today": timezone.localdate(),
            "may_rate": round.is_open and timezone.localdate() >= round.starts,
            "concern_url": _concern_url(),
            **_area_context(round),
        },
        status=status,
    )


def _cells(round: ScreeningRound, row: sel.GridRow) -> list[dict[str, Any]]:
    """What the template draws for each area of a row."""
    cells = []
    for area in round.area_list():
        rating, chosen = row.rating(area["key"]), set(row.focus(area["key"]))
        cells.append(
            {
                "key": area["key"],
                "label": area["label"],
                "rating": rating,
                "others": [
                    (who, areas.COLOUR_LABELS.get(c, c), c)
                    for who, c in row.others.get(area["key"], [])
                ],
                "focus": [
                    (f["key"], f["label"], f["key"] in chosen) for f in area.get("focus", [])
                ],
            }
        )
    return cells


def _child_id(request: HttpRequest) -> int | None:
    return parse_id(request.POST.get("barn"))


def _save_row(
    request: HttpRequest, actor: Actor, screeninground_id: int, group_id: int
) -> HttpResponse:
    """Save-as-you-go: one child's row; answers a small status for the row. Anyone but the
    group's own staff gets 404, as for the grid."""
    child_id = _child_id(request)
    context: dict[str, Any] = {"child_id": child_id}
    if child_id is None:
        # Still 404 for those who may not rate the group, not a hint that it exists.
        sel.get_row_target_for_user(actor, screeninground_id, group_id, 0, lock=False)
        context["error"] = "Barnet mangler i forespørgslen."
    else:
        row = services.parse_row(request.POST, child_id)
        try:
            services.assessment_save_row(
                actor=actor,
                screeninground_id=screeninground_id,
                group_id=group_id,
                child_id=child_id,
                row=row,
                agreement=(request.POST.get("vurdering") or request.GET.get("vurdering"))
                == AGREEMENT,
                context=request_context(request),
            )
        except ScreeningError as exc:
            context["error"] = exc.message
        else:
            context["saved_at"] = timezone.localtime()
            # A row now red offers its concern at once, as the page does after a reload.
            context["red"] = areas.worst(row.ratings.values()) == "roed"
            context["concern_url"] = _concern_url()
    # htmx swaps 2xx answers only; the error is shown in the row either way.
    status = 200 if request.headers.get("HX-Request") or "error" not in context else 400
    # A fragment of text: rendered without the request, so without the context processors
    # (the page's menu, unread notifications), which would cost a query per save.
    return HttpResponse(render_to_string("screening/_row_status.html", context), status=status)


def _save_grid(
    request: HttpRequest, actor: Actor, round: ScreeningRound, group: Group, agreement: bool
) -> HttpResponse:
    """The save button: every row of the grid at once, all or nothing."""
    ids = [i for i in map(parse_id, request.POST.getlist("boern")) if i is not None]
    rows = services.parse_rows(request.POST, round, ids)
    try:
        saved = services.assessment_save_rows(
            actor=actor,
            round=round,
            group=group,
            rows=rows,
            agreement=agreement,
            context=request_context(request),
        )
    except ScreeningError as exc:
        return _render_grid(
            request, actor, round, group, agreement, posted=rows, error=exc.message, status=400
        )
    messages.success(request, f"Gemt kl. {timezone.localtime():%H:%M}: {len(saved)} børn ændret.")
    return redirect(_grid_url(round.pk, group.pk, agreement=agreement))


# ---------------------------------------------------------------------------- a child


@actor_required
def child_screening(request: HttpRequest, actor: Actor, child_id: int) -> HttpResponse:
    """A child's positions (as far as the actor may see them) and the recorded consents."""
    child = registry.get_child_for_user(actor, child_id)
    institutions = list(registry.institutions_for(actor).order_by("name"))
    form = forms.ConsentForm(request.POST or None, institutions=institutions)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            institution = next((i for i in institutions if i.pk == d["institution"]), None)
            try:
                services.consent_record(
                    actor=actor,
                    child=child,
                    kind=d["kind"],
                    recipient=d["recipient"],
                    institution=institution,
                    given_by=d["given_by"],
                    legal_basis=d["legal_basis"],
                    valid_from=d["valid_from"],
                    valid_to=d["valid_to"],
                    context=request_context(request),
                )
            except ScreeningError as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                error = exc.message
            else:
                messages.success(request, "Samtykke eller hjemmel er registreret.")
                return redirect("screening:child_screening", child_id=child.pk)
        else:
            error = "Ret fejlene i formularen."
    positions = list(sel.positions_of_child(actor, child))
    access_log_record(
        actor=actor,
        child_ids=[child.pk],
        action=Action.VIEW,
        purpose=Purpose.SCREENING,
        what="Barnets trivselsvurderinger og samtykker",
        context=request_context(request),
    )
    return render(
        request,
        "screening/child.html",
        {
            "child": child,
            "positions": positions,
            "consents": list(sel.consents_of_child(actor, child)),
            "form": form,
            "error": error,
            "legal_bases": forms.LEGAL_BASES,
            "today": timezone.localdate(),
            "concern_url": _concern_url(),
        },
        status=400 if error else 200,
    )


@require_POST
@actor_required
def consent_revoke(request: HttpRequest, actor: Actor, consent_id: int) -> HttpResponse:
    consent = sel.get_consent_for_user(actor, consent_id)
    try:
        services.consent_revoke(actor=actor, consent=consent, context=request_context(request))
    except ScreeningError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Samtykket er tilbagekaldt.")
    return redirect("screening:child_screening", child_id=consent.child_id)
