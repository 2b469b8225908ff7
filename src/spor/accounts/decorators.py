from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from spor.accounts.access import Actor

View = Callable[..., HttpResponse]


def actor_required(view: Callable[..., HttpResponse]) -> View:
    """Log in first; then the view gets ``actor`` as its second argument. A logged-in person
    with no role in any municipality gets 404, like anyone outside a record's reach."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        actor: Actor | None = getattr(request, "actor", None)
        if actor is None:
            raise Http404
        return view(request, actor, *args, **kwargs)

    return wrapper


def lead_required(view: Callable[..., HttpResponse]) -> View:
    """Only the PPR-leder; everyone else gets 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, actor: Actor, *args: Any, **kwargs: Any) -> HttpResponse:
        if not actor.is_lead:
            raise Http404
        return view(request, actor, *args, **kwargs)

    return actor_required(wrapper)
