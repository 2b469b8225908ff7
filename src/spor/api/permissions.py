"""Scopes per endpoint and method, and the actor of an API request."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from spor.accounts.access import Actor
from spor.api.access import TokenActor, scopes_of

MSG_SCOPE = "Nøglen har ikke rettigheden »{scope}«, som denne handling kræver."
MSG_NOT_FOUND = "Ikke fundet."


def api_actor(request: Request) -> Actor:
    """The token's integration, or a PPR-leder logged in to the screens. Anyone else logged
    in gets 404, as on the screens (``lead_required``); nobody logged in gets 401."""
    if isinstance(request.auth, TokenActor):
        return request.auth
    actor: Actor | None = getattr(request._request, "actor", None)
    if not request.user or not request.user.is_authenticated:
        raise exceptions.NotAuthenticated("Log ind, eller angiv en API-nøgle.")
    if actor is None or not actor.is_lead:
        raise exceptions.NotFound(MSG_NOT_FOUND)
    return actor


class HasScope(BasePermission):
    """The view names the scope each method needs in ``scopes`` ({"GET": "cases:read"})."""

    def has_permission(self, request: Request, view: Any) -> bool:
        actor = api_actor(request)
        needed: str | None = getattr(view, "scopes", {}).get(request.method)
        if request.method in ("HEAD", "OPTIONS"):
            needed = getattr(view, "scopes", {}).get("GET")
        if needed is None:
            return True  # the method is not allowed: the view answers 405
        if needed not in scopes_of(actor):
            raise exceptions.PermissionDenied(MSG_SCOPE.format(scope=needed))
        return True
