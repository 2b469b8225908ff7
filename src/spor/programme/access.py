"""Who acts on a programme, and the one controlled way past row-level security.

A **programme administrator** (:class:`~spor.programme.models.ProgrammeAdmin`) has no role in
any municipality, so the tenancy middleware gives their requests no actor and, on
PostgreSQL, no municipality (no tenant rows). Their screens are about the programme's
participations, plans and initiatives in every participating municipality: plans of work,
never a child. :func:`national_context` lets the database show the rows of exactly the
programme's participating municipalities, which the owner's ``SECURITY DEFINER`` function
``spor_programme_municipalities(programme, user)`` names, and only when the person
administers or evaluates that programme (a row in the database says so); the previous
setting is restored straight after. There is no "all municipalities" context. Everything is
evaluated inside the block (lists, not lazy querysets), so nothing is read later without
the filter's context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from spor.programme.models import Programme, ProgrammeAdmin, ProgrammeParticipation
from spor.tenancy import rls

if TYPE_CHECKING:
    from spor.accounts.models import User


@dataclass(frozen=True)
class ProgrammeActor:
    """A programme administrator acting on one programme."""

    user: User
    programme: Programme


class _ProgrammeReader(Protocol):
    @property
    def user(self) -> Any: ...

    @property
    def programme(self) -> Programme: ...


def participating_municipalities(actor: _ProgrammeReader) -> list[int]:
    """The programme's participating municipalities, if the person administers or evaluates
    it (the owner's function; empty otherwise). On SQLite, read directly."""
    if rls.postgres():
        return rls.lookup("spor_programme_municipalities", actor.programme.pk, actor.user.pk)
    return list(
        ProgrammeParticipation.objects.filter(programme=actor.programme).values_list(
            "municipality_id", flat=True
        )
    )


@contextmanager
def national_context(actor: _ProgrammeReader, *, also: int | None = None) -> Iterator[None]:
    """Inside one transaction, the database shows the rows of the programme's participating
    municipalities (and of ``also``: a municipality being added to the programme)."""
    ids = participating_municipalities(actor)
    if also is not None:
        ids.append(also)
    with rls.tenant(ids):
        yield


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
