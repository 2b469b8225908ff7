"""Who may see the programme's evaluation figures, and the pseudonyms they see.

A **programme evaluator** (:class:`~spor.programme.models.ProgrammeEvaluator`) has no role in
any municipality: the tenancy middleware gives them no actor, so every municipality page
answers 404, and :func:`~spor.programme.access.programme_actor` knows only administrators, so
the administrator's pages (participations, plans, initiatives) answer 404 too. The
evaluation pages open to the programme's evaluators and to its administrators, who already
see the pooled figures per pejlemærke on the initiatives overview: both are national roles
that see aggregates only.

Municipalities appear by a keyed pseudonym (``docs/programme.md``): the evaluator compares
municipalities without knowing which is which, so a figure about a small municipality cannot
be read together with what is known about it locally. The key is
``settings.SPOR_PSEUDONYM_KEY``, or, if that is not set, one derived from ``SECRET_KEY``
(secret in production; never from the data).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse

from spor.evaluation import disclosure
from spor.programme.models import Programme, ProgrammeAdmin

if TYPE_CHECKING:
    from spor.accounts.models import User

PSEUDONYM_LENGTH = 8


@dataclass(frozen=True)
class EvaluatorActor:
    """A programme evaluator (or administrator) reading one programme's figures."""

    user: User
    programme: Programme
    is_admin: bool = False


def evaluated_programmes(user: Any) -> list[Programme]:
    """The programmes whose evaluation the user may read (as evaluator or administrator)."""
    if not user.is_authenticated:
        return []
    return list(
        Programme.objects.filter(Q(evaluators__user=user) | Q(admins__user=user))
        .distinct()
        .select_related("framework")
        .order_by("name")
    )


def evaluator_actor(user: Any, programme_id: int) -> EvaluatorActor:
    """The user as evaluator of the programme, or 404 (also for a missing programme)."""
    programme = (
        Programme.objects.filter(Q(evaluators__user=user) | Q(admins__user=user), pk=programme_id)
        .select_related("framework")
        .first()
    )
    if programme is None:
        raise Http404
    is_admin = ProgrammeAdmin.objects.filter(user=user, programme=programme).exists()
    return EvaluatorActor(user=user, programme=programme, is_admin=is_admin)


def programme_evaluator_required(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Log in first; then only an evaluator or administrator of ``programme_id`` gets through
    (as the view's second argument); everyone else gets 404, as for a missing programme."""

    @wraps(view)
    def wrapper(request: HttpRequest, programme_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, evaluator_actor(request.user, programme_id), *args, **kwargs)

    return wrapper


def pseudonym_key() -> bytes:
    configured = getattr(settings, "SPOR_PSEUDONYM_KEY", "") or ""
    if configured:
        return configured.encode("utf-8")
    return hmac.new(
        settings.SECRET_KEY.encode("utf-8"), b"spor-evaluation-pseudonym", hashlib.sha256
    ).digest()


def municipality_pseudonym(programme_id: int, municipality_id: int) -> str:
    """``Kommune 3f9a2c1d``: the same within a programme, different across programmes (so
    two programmes' exports cannot be joined on it)."""
    code = disclosure.pseudonym(
        f"programme:{programme_id}:municipality:{municipality_id}",
        pseudonym_key(),
        length=PSEUDONYM_LENGTH,
    )
    return f"Kommune {code}"
