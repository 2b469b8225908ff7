from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from spor.accounts.access import Actor
from spor.accounts.models import Membership
from spor.api.scopes import SCOPES
from spor.api.services import api_token_create
from tests.conftest import World

TokenMaker = Callable[..., str]


def lead_actor(w: World, muni: str = "a") -> Actor:
    user = w.lead_a if muni == "a" else w.lead_b
    m = Membership.objects.get(user=user, municipality=getattr(w, muni))
    return Actor(user=user, membership=m)


@pytest.fixture
def make_token(world: World) -> TokenMaker:
    """A token's secret for municipality ``muni`` ("a" or "b") with the given scopes (all
    but ``cpr`` by default)."""
    count = iter(range(1, 1000))

    def make(*scopes: str, muni: str = "a", name: str = "") -> str:
        chosen = list(scopes) or [s for s in SCOPES if s != "cpr"]
        _, secret = api_token_create(
            actor=lead_actor(world, muni), name=name or f"Test {next(count)}", scopes=chosen
        )
        return secret

    return make


def api(secret: str | None = None) -> Client:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return Client(headers=headers)
