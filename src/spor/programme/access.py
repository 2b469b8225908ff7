"""Who acts on a programme, and the one controlled way past row-level security.

A **programme administrator** (:class:`~spor.programme.models.ProgrammeAdmin`) has no role in
any municipality, so the tenancy middleware gives their requests no actor and, on
PostgreSQL, the municipality ``'0'`` (no tenant rows). Their screens are about the
programme's participations, plans and initiatives in every participating municipality:
plans of work, never a child. :func:`national_context` opens the system context (``''``)
for the queries of :mod:`spor.programme.selectors` and :mod:`spor.programme.services` that
read or write those rows, always filtered by a programme the person administers, and
restores the previous value straight after. Everything is evaluated inside the block
(lists, not lazy querysets), so nothing is read later without the filter's context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse

from spor.programme.models import Programme, ProgrammeAdmin
from spor.tenancy.rls import SETTING

if TYPE_CHECKING:
    from spor.accounts.models import User


@dataclass(frozen=True)
class ProgrammeActor:
    """A programme administrator acting on one programme."""

    user: User
    programme: Programme


@contextmanager
def national_context() -> Iterator[None]:
    """The system context for the block (PostgreSQL), inside one transaction."""
    with transaction.atomic():
        if connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(current_setting(%s, true), '')", [SETTING])
            previous = cursor.fetchone()[0]
            cursor.execute("SELECT set_config(%s, '', true)", [SETTING])
        try:
            yield
        finally:
            if not connection.needs_rollback:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, previous])


def administered_programmes(user: Any) -> list[Programme]:
    if not user.is_authenticated:
        return []
    return list(
        Programme.objects.filter(admins__user=user).select_related("framework").order_by("name")
    )


def programme_actor(user: Any, programme_id: int) -> ProgrammeActor:
    """The user as administrator of the programme, or 404 (also for a missing programme)."""
    admin = (
        ProgrammeAdmin.objects.filter(user=user, programme_id=programme_id)
        .select_related("programme__framework")
        .first()
    )
    if admin is None:
        raise Http404
    return ProgrammeActor(user=user, programme=admin.programme)


def programme_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then only an administrator of ``programme_id`` gets through (as the
    view's second argument); everyone else gets 404, as for a programme that does not
    exist."""

    @wraps(view)
    def wrapper(request: HttpRequest, programme_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, programme_actor(request.user, programme_id), *args, **kwargs)

    return wrapper
