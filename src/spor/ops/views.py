"""Health checks and the error page that says what happened.

``/drift/ping/`` answers ``ok`` from Django with no query of its own; ``/drift/health/``
also asks the database. Neither needs a login and neither says anything about the data.
``/drift/ping/aktoer/`` is the load test's bare endpoint: ``ok`` for a logged-in actor,
after the same middleware as every page (session, user, second factor, tenancy), so it
measures Django's fixed cost of a logged-in request and nothing else.
"""

from __future__ import annotations

import logging
import sys

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache

from spor.accounts.access import Actor
from spor.accounts.decorators import actor_required
from spor.ops.errors import Fault, classify, sqlite_disk_is_full

logger = logging.getLogger(__name__)

TEMPLATES = {
    Fault.DISK_FULL: ("ops/disk_full.html", 503),
    Fault.DATABASE_UNAVAILABLE: ("ops/database_unavailable.html", 503),
    Fault.OTHER: ("500.html", 500),
}


@never_cache
def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@never_cache
@actor_required
def actor_ping(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Any method: the load test sends it requests like the teachers' saves (POST with the
    same session and CSRF cookies, CSRF header and htmx header), so the CSRF check runs too."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def _ask_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    try:
        _ask_database()
    except DatabaseError as exc:
        fault = classify(exc)
        logger.warning("Sundhedstjek: databasen svarer ikke (%s)", type(exc).__name__)
        return JsonResponse(
            {"status": "fejl", "database": "fuld disk" if fault is Fault.DISK_FULL else "nede"},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: called inside the ``except`` that caught the view's error, so
    ``sys.exc_info()`` still holds it. The templates are plain HTML that need no database
    (no base template, no user, no actor): the database may be what failed."""
    exc = sys.exc_info()[1]
    fault = classify(exc)
    if (
        isinstance(exc, DatabaseError)
        and fault is not Fault.DISK_FULL
        and connection.vendor == "sqlite"
        and sqlite_disk_is_full(connection.settings_dict["NAME"])
    ):
        fault = Fault.DISK_FULL
    name, status = TEMPLATES[fault]
    response = HttpResponse(loader.get_template(name).render(), status=status)
    if status == 503:
        response["Retry-After"] = "30"
    return response
