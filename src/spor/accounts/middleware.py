"""Sets who is acting, and on PostgreSQL tells the database which municipality that is.

Each request runs in one transaction (:func:`spor.tenancy.rls.tenant`): the logged-in
person's own memberships are visible while the actor is resolved, then the actor's
municipality; an anonymous request, a programme administrator and the system administrator
see no tenant rows (the default is closed). The previous value is back at the end (the
transaction's end undoes the settings; nested use, as in tests, restores them), so that the
next use of the connection does not inherit it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse

from spor.accounts.access import resolve_actor
from spor.tenancy import rls


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.vendor != "postgresql":
            # SQLite has no row-level security; writes are atomic in their services.
            request.actor = resolve_actor(request)  # type: ignore[attr-defined]
            return self.get_response(request)
        user_id = request.user.pk if request.user.is_authenticated else None
        with rls.tenant(None, user_id=user_id):
            actor = resolve_actor(request)
            request.actor = actor  # type: ignore[attr-defined]
            rls.switch(actor.municipality_id if actor is not None else None, user_id=user_id)
            return self.get_response(request)
