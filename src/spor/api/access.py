"""Who is acting in an API request: a token's integration, or a PPR-leder logged in to the
screens. Both are an :class:`Actor`, so the apps' selectors and services apply unchanged."""

from __future__ import annotations

from dataclasses import dataclass

from spor.accounts.access import Actor
from spor.api.models import ApiToken
from spor.api.scopes import SESSION_SCOPES


@dataclass(frozen=True)
class TokenActor(Actor):
    """An integration acting through its token's service identity."""

    token: ApiToken

    @property
    def role_label(self) -> str:
        return f"Integration via API ({self.token.name})"[:100]


def scopes_of(actor: Actor) -> frozenset[str]:
    if isinstance(actor, TokenActor):
        return frozenset(actor.token.scopes)
    if actor.is_lead:
        return SESSION_SCOPES
    return frozenset()
