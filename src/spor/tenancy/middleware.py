"""Sets who is acting, and on PostgreSQL tells the database which municipality that is.

Each request runs in one transaction. On PostgreSQL, ``set_config(..., is_local => true)``
(the function form of ``SET LOCAL``) puts the actor's municipality in the setting that the
row-level-security policies read, so that even a query that forgot the app's filter
cannot see another municipality's rows. The previous value is restored at the end, so
that nested use (tests, the same connection) does not leak it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse

from spor.tenancy.access import resolve_actor
from spor.tenancy.rls import NO_MUNICIPALITY, SETTING


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.vendor != "postgresql":
            # SQLite has no row-level security; writes are atomic in their services.
            request.actor = resolve_actor(request)  # type: ignore[attr-defined]
            return self.get_response(request)
        with transaction.atomic():
            actor = resolve_actor(request)
            request.actor = actor  # type: ignore[attr-defined]
            if actor is not None:
                value = str(actor.municipality_id)
            elif request.user.is_authenticated and request.user.is_superuser:
                value = ""  # the system administrator in Django's admin sees all
            else:
                value = NO_MUNICIPALITY
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting(%s, true)", [SETTING])
                previous = cursor.fetchone()[0] or ""
                cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, value])
            try:
                return self.get_response(request)
            finally:
                if connection.connection is not None and not connection.needs_rollback:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, previous])
