"""Sets who is acting, and on PostgreSQL tells the database which municipality that is.

Each request runs in one transaction (:func:`spor.tenancy.rls.tenant`): the logged-in
person's own memberships are visible while the actor is resolved, then the actor's
municipality; an anonymous request, a programme administrator and the system administrator
see no tenant rows (the default is closed). The transaction starts in the municipality the
session's last request acted in (:data:`ACTING_KEY`), so the usual request, whose actor is
in the same municipality, sets the database's settings once instead of twice; the session's
value is only a guess (the memberships are read by the user's id, not through it), and
whenever the actor resolved is elsewhere or nobody the settings are switched to what was
resolved before anything else is read. The previous value is back at the end (the
transaction's end undoes the settings; nested use, as in tests, restores them), so that the
next use of the connection does not inherit it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse

from spor.accounts.access import resolve_actor
from spor.tenancy import rls

# The municipality the session's last request acted in (see the module's docstring).
ACTING_KEY = "spor_acting_municipality_id"


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.vendor != "postgresql":
            # SQLite has no row-level security; writes are atomic in their services.
            request.actor = resolve_actor(request)  # type: ignore[attr-defined]
            return self.get_response(request)
        user_id = request.user.pk if request.user.is_authenticated else None
        guess = request.session.get(ACTING_KEY) if user_id is not None else None
        if not isinstance(guess, int) or isinstance(guess, bool):
            guess = None
        with rls.tenant(guess, user_id=user_id):
            actor = resolve_actor(request)
            request.actor = actor  # type: ignore[attr-defined]
            acting = actor.municipality_id if actor is not None else None
            if acting != guess:
                rls.switch(acting, user_id=user_id)
                if user_id is not None:
                    request.session[ACTING_KEY] = acting
            return self.get_response(request)
