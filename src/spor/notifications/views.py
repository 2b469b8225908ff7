"""The notification centre: a person's own notifications, mark read, and e-mail choices."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from spor.accounts.access import Actor
from spor.accounts.decorators import actor_required
from spor.notifications import selectors, services
from spor.notifications.models import Kind

PAGE_SIZE = 50


@actor_required
def notification_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    page = Paginator(selectors.notifications_for(actor), PAGE_SIZE).get_page(
        request.GET.get("side")
    )
    return render(
        request,
        "notifications/list.html",
        {
            "notifications": list(page.object_list),
            "page": page,
            "unread": selectors.unread_count(actor),
            "email_kinds": selectors.email_kinds(actor),
            "kinds": Kind.choices,
        },
    )


@actor_required
def notification_open(request: HttpRequest, actor: Actor, notification_id: int) -> HttpResponse:
    """Follow the notification's link, marking it read. The page it leads to decides,
    as always, whether the person may still see the object (else 404)."""
    note = selectors.get_notification_for_user(actor, notification_id)
    services.notification_mark_read(actor=actor, notification=note)
    target = note.link
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("notifications:notification_list")
    return redirect(target)


@require_POST
@actor_required
def notification_read(request: HttpRequest, actor: Actor, notification_id: int) -> HttpResponse:
    note = selectors.get_notification_for_user(actor, notification_id)
    services.notification_mark_read(actor=actor, notification=note)
    return redirect("notifications:notification_list")


@require_POST
@actor_required
def notification_read_all(request: HttpRequest, actor: Actor) -> HttpResponse:
    n = services.notifications_mark_all_read(actor=actor)
    if n:
        messages.success(request, f"{n} notifikation(er) er markeret som læst.")
    return redirect("notifications:notification_list")


@require_POST
@actor_required
def email_preferences(request: HttpRequest, actor: Actor) -> HttpResponse:
    kinds = {k for k in request.POST.getlist("email") if k in Kind.values}
    services.email_preferences_save(actor=actor, kinds=kinds)
    messages.success(request, "Dine valg af e-mail er gemt.")
    return redirect("notifications:notification_list")
