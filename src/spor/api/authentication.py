"""Bearer tokens for integrations, and the rules for who may use the API at all.

On PostgreSQL the tenant middleware has already opened the request's transaction and, as
nobody is logged in, set no municipality (no tenant rows). The token's municipality is
asked of the owner's function ``spor_api_token_municipality`` (by the secret's hash, all
the request has); the setting is then that municipality for the rest of the transaction and
the token is read under it: the same second wall as for a session user. Anything else (no
token, a revoked one) leaves no municipality.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.request import Request

from spor.api.access import TokenActor
from spor.api.models import ApiToken
from spor.api.selectors import token_by_secret
from spor.api.services import api_token_touch
from spor.api.tokens import hash_secret
from spor.tenancy import rls

MSG_BAD_HEADER = "Angiv nøglen som »Authorization: Bearer <nøgle>«."
MSG_BAD_TOKEN = "Nøglen er ukendt eller tilbagekaldt."  # noqa: S105 (a message)


def _lookup(secret: str) -> ApiToken | None:
    if not rls.enter_by_key("spor_api_token_municipality", hash_secret(secret)):
        return None
    return token_by_secret(secret)


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, TokenActor] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(MSG_BAD_HEADER)
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(MSG_BAD_TOKEN) from None
        if (
            connection.vendor == "postgresql" and not connection.in_atomic_block
        ):  # pragma: no cover - the tenant middleware always opens one
            raise exceptions.AuthenticationFailed(MSG_BAD_TOKEN)
        token = _lookup(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(MSG_BAD_TOKEN)
        membership = token.service_membership
        actor = TokenActor(user=membership.user, membership=membership, token=token)
        # The apps' helpers read the actor from the Django request, as for the screens.
        request._request.actor = actor  # type: ignore[attr-defined]
        api_token_touch(token)
        return membership.user, actor

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="spor"'


class LeadSessionAuthentication(SessionAuthentication):
    """A PPR-leder logged in to the screens may use the API from the browser (CSRF applies
    to changes); who else is logged in is decided in the permission."""
