"""Staff screens of the SDQ measurement on a delivery: send the før- and eftermåling, see
the links' status and withdraw one, type in a paper form. Thin views: reads through
:mod:`spor.measurement.selectors`, writes through :mod:`spor.measurement.services`, every
read of a child's case logged."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.decorators import actor_required, lead_required
from spor.audit.models import Action, Purpose
from spor.audit.services import access_log_record
from spor.cases.models import Delivery, DeliveryStatus
from spor.lib.forms import add_errors
from spor.measurement import forms, questionnaire, results, selectors, services
from spor.measurement.forms import PaperForm, SendForm
from spor.measurement.models import Informant, MeasurementRequest, Phase
from spor.ops.proxies import request_context


def _log_view(request: HttpRequest, actor: Actor, delivery: Delivery, what: str) -> None:
    if delivery.case.child_id is not None:
        access_log_record(
            actor=actor,
            child_ids=[delivery.case.child_id],
            action=Action.VIEW,
            purpose=Purpose.CASEWORK,
            what=what,
            context=request_context(request),
        )


def _page_url(delivery: Delivery, anchor: str = "") -> str:
    url = reverse("measurement:delivery", kwargs={"delivery_id": delivery.pk})
    return f"{url}#{anchor}" if anchor else url


def _as_before(requests_: list[MeasurementRequest]) -> dict[str, Any]:
    """The after-measurement goes to whom the before-measurement went: each informant's
    name and e-mail from their latest baseline link (the mother's address need not be
    typed again), and those informants ticked."""
    found: dict[str, Any] = {}
    informants: list[str] = []
    for r in sorted(requests_, key=lambda r: (r.sent_at is None, r.sent_at, r.pk)):
        if r.phase != Phase.BEFORE or r.informant == Informant.PROFESSIONAL:
            continue
        if r.informant not in informants:
            informants.append(r.informant)
        if r.recipient_name:
            found[f"name_{r.informant}"] = r.recipient_name
        if r.recipient_email:
            found[f"email_{r.informant}"] = r.recipient_email
    if informants:
        found["informants"] = informants
    return found


def _render_page(
    request: HttpRequest,
    actor: Actor,
    delivery: Delivery,
    *,
    bound: SendForm | None = None,
    status: int = 200,
) -> HttpResponse:
    case = delivery.case
    may_work = selectors.may_work_on(actor, case)
    requests_ = list(selectors.requests_of(actor, [delivery]))
    responses = list(selectors.responses_of(actor, [delivery]))
    team = selectors.team_with_email(actor, case)
    contact = selectors.parent_contact(actor, case) if case.child_id else {}
    initial: dict[str, dict[str, Any]] = {
        Phase.BEFORE: {"phase": Phase.BEFORE, **contact},
        Phase.AFTER: {"phase": Phase.AFTER, **contact, **_as_before(requests_)},
    }
    send_forms = {}
    for phase in (Phase.BEFORE, Phase.AFTER):
        if bound is not None and bound.prefix == phase:
            send_forms[phase] = bound
        else:
            send_forms[phase] = SendForm(prefix=phase, team=team, initial=initial[phase])
    _log_view(request, actor, delivery, "Forløb: SDQ-måling på indsats")
    return render(
        request,
        "measurement/delivery.html",
        {
            "delivery": delivery,
            "case": case,
            "may_work": may_work,
            "about_child": case.child_id is not None,
            "results": results.delivery_results(delivery, responses, requests_),
            "requests": requests_,
            "before_form": send_forms[Phase.BEFORE],
            "after_form": send_forms[Phase.AFTER],
            "may_send_before": delivery.status != DeliveryStatus.FINISHED
            and (delivery.end is None or delivery.end >= timezone.localdate()),
            "may_send_after": delivery.end is not None,
            "phases": Phase.choices,
            "informants": Informant.choices,
        },
        status=status,
    )


@actor_required
def delivery_measurement(request: HttpRequest, actor: Actor, delivery_id: int) -> HttpResponse:
    delivery = selectors.get_delivery_for_user(actor, delivery_id)
    return _render_page(request, actor, delivery)


@actor_required
def send(request: HttpRequest, actor: Actor, delivery_id: int) -> HttpResponse:
    """POST: send the før- or eftermåling (``fase``) to the chosen informants."""
    delivery = selectors.get_delivery_for_user(actor, delivery_id)
    if request.method != "POST":
        return redirect(_page_url(delivery))
    if not selectors.may_work_on(actor, delivery.case):
        raise Http404
    phase = request.POST.get("fase", "")
    if phase not in Phase.values:
        messages.error(request, services.MSG_PHASE)
        return redirect(_page_url(delivery))
    form = SendForm(
        request.POST, prefix=phase, team=selectors.team_with_email(actor, delivery.case)
    )
    if form.is_valid():
        try:
            made = services.send_requests(
                actor=actor,
                delivery=delivery,
                phase=phase,
                recipients=form.recipients(),
                context=request_context(request),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return _render_page(request, actor, delivery, status=403)
        else:
            label = str(Phase(phase).label).lower()
            links = "1 link" if len(made) == 1 else f"{len(made)} links"
            messages.success(request, f"{label.capitalize()} er sendt: {links} pr. e-mail.")
            return redirect(_page_url(delivery, "links"))
    return _render_page(request, actor, delivery, bound=form, status=400)


@actor_required
def revoke(request: HttpRequest, actor: Actor, measurementrequest_id: int) -> HttpResponse:
    req = selectors.get_measurementrequest_for_user(actor, measurementrequest_id)
    if request.method != "POST":
        return redirect(_page_url(req.delivery, "links"))
    try:
        services.revoke(actor=actor, req=req, context=request_context(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Linket er tilbagekaldt og kan ikke længere bruges.")
    return redirect(_page_url(req.delivery, "links"))


@actor_required
def paper(request: HttpRequest, actor: Actor, delivery_id: int) -> HttpResponse:
    """Type in a paper form: ``?fase=foer|efter&informant=…`` chooses the form (by the
    child's age); without them the page asks which."""
    delivery = selectors.get_delivery_for_user(actor, delivery_id)
    case = delivery.case
    if not selectors.may_work_on(actor, case):
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    phase, informant = params.get("fase", ""), params.get("informant", "")
    context: dict[str, Any] = {
        "delivery": delivery,
        "case": case,
        "phases": Phase.choices,
        "informants": Informant.choices,
        "phase": phase,
        "informant": informant,
    }
    if case.child_id is None or phase not in Phase.values or informant not in Informant.values:
        if case.child_id is None:
            context["choose_error"] = services.MSG_NOT_CHILD
        elif phase or informant:
            context["choose_error"] = "Vælg måling og informant."
        _log_view(request, actor, delivery, "Forløb: SDQ papirskema")
        return render(
            request,
            "measurement/paper.html",
            context,
            status=400 if context.get("choose_error") else 200,
        )
    assert case.child is not None
    today = timezone.localdate()
    try:
        form_id = questionnaire.form_for(informant, phase, case.child.age_on(today))
    except questionnaire.FormChoiceError as exc:
        context["choose_error"] = str(exc)
        _log_view(request, actor, delivery, "Forløb: SDQ papirskema")
        return render(request, "measurement/paper.html", context, status=400)
    q = questionnaire.build(form_id, informant, actor.municipality_id)
    meta = PaperForm(
        request.POST if request.method == "POST" else None, initial={"answered_on": today}
    )
    context.update(q=q, meta=meta, phase_label=Phase(phase).label)
    context["informant_label"] = Informant(informant).label
    if request.method == "POST":
        answers_ok = questionnaire.read(q, request.POST, paper=True)
        if meta.is_valid() and answers_ok:
            try:
                services.enter_paper(
                    actor=actor,
                    delivery=delivery,
                    phase=phase,
                    informant=informant,
                    answers=q.answers(),
                    impact=q.impact_answers(),
                    answered_on=meta.cleaned_data["answered_on"],
                    respondent_name=meta.cleaned_data["respondent_name"],
                    context=request_context(request),
                )
            except ValidationError as exc:
                add_errors(meta, exc)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                return redirect(_page_url(delivery))
            else:
                messages.success(request, "Papirskemaet er gemt og scoret.")
                return redirect(_page_url(delivery, "resultater"))
        return render(request, "measurement/paper.html", context, status=400)
    _log_view(request, actor, delivery, "Forløb: SDQ papirskema")
    return render(request, "measurement/paper.html", context)


# --------------------------------------------------------------------------- licensed wording


@lead_required
def wording(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The PPR-leder loads the municipality's licensed SDQ wording, form by form."""
    form = forms.WordingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and "fjern" in request.POST:
        remove = forms.WordingRemoveForm(request.POST)
        if not remove.is_valid():
            messages.error(request, services.MSG_WORDING_FORM)
        elif services.wording_remove(actor=actor, form=remove.cleaned_data["fjern"]):
            messages.success(request, "Ordlyden er fjernet. Skemaet viser Spors korte stikord.")
        return redirect("measurement:wording")
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(services.WORDING_MAX_BYTES + 1)
        try:
            saved = services.wording_load(
                actor=actor,
                form=form.cleaned_data["form"],
                filename=upload.name or "",
                content=content,
                licence_note=form.cleaned_data["licence_note"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                f"Ordlyden til {questionnaire.form_label(saved.form)} er indlæst: "
                f"{len(saved.texts)} tekster.",
            )
            return redirect("measurement:wording")
    loaded = selectors.wordings_for(actor)
    rows = [(f, questionnaire.form_label(f), loaded.get(f)) for f in services.wording_forms()]
    return render(
        request,
        "measurement/wording.html",
        {"form": form, "rows": rows},
        status=400 if form.is_bound and form.errors else 200,
    )
