"""The PPR-leder makes and revokes tokens on a Danish screen (and from the command line).
Only a hash is stored; the secret is shown once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from spor.api.models import ApiToken
from spor.api.tokens import hash_secret
from tests.api.conftest import TokenMaker, api
from tests.conftest import World


def test_a_lead_creates_a_token_that_is_shown_once_and_stored_as_a_hash(world: World) -> None:
    client = world.client_for(world.lead_a)
    page = client.post("/api/noegler/", {"name": "Elevadministration", "scopes": ["registry:read"]})
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    secret = page.context["secret"]
    assert secret.startswith("spor_") and secret in page.content.decode()
    token = ApiToken.objects.get(name="Elevadministration")
    assert token.token_hash == hash_secret(secret)
    assert secret not in str(list(ApiToken.objects.values_list()))
    assert token.municipality_id == world.a.pk and token.created_by == world.lead_a
    # Shown once: the list afterwards has the prefix only.
    again = client.get("/api/noegler/").content.decode()
    assert secret not in again and token.prefix in again
    # The token works, and its use is noted.
    assert api(secret).get("/api/institutioner/").status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None


def test_a_token_without_a_name_or_scope_gets_danish_errors(world: World) -> None:
    page = world.client_for(world.lead_a).post("/api/noegler/", {"name": "", "scopes": []})
    assert page.status_code == 400
    text = page.content.decode()
    assert "Giv nøglen et navn" in text and "Vælg mindst én rettighed" in text
    assert not ApiToken.objects.exists()


def test_a_revoked_token_stops_working(world: World, make_token: TokenMaker) -> None:
    secret = make_token("registry:read", name="Gammel")
    token = ApiToken.objects.get(name="Gammel")
    client = world.client_for(world.lead_a)
    response = client.post("/api/noegler/tilbagekald/", {"token": token.pk}, follow=True)
    assert "er tilbagekaldt" in response.content.decode()
    refused = api(secret).get("/api/institutioner/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Nøglen er ukendt eller tilbagekaldt."


def test_only_the_municipalitys_lead_reaches_the_token_screen(
    world: World, make_token: TokenMaker
) -> None:
    make_token("registry:read", name="Aby-nøgle")
    token = ApiToken.objects.get(name="Aby-nøgle")
    for person in (world.ppr_a, world.teacher_a):
        assert world.client_for(person).get("/api/noegler/").status_code == 404
    other_lead = world.client_for(world.lead_b)
    assert "Aby-nøgle" not in other_lead.get("/api/noegler/").content.decode()
    assert other_lead.post("/api/noegler/tilbagekald/", {"token": token.pk}).status_code == 404
    token.refresh_from_db()
    assert not token.revoked


def test_the_service_identity_cannot_log_in(world: World, make_token: TokenMaker) -> None:
    make_token("registry:read", name="Integration")
    identity = ApiToken.objects.get(name="Integration").service_membership
    assert not identity.active and not identity.user.is_active
    assert not identity.user.has_usable_password()


def test_the_command_creates_lists_and_revokes_tokens(world: World) -> None:
    out = StringIO()
    call_command(
        "spor_api_token",
        "create",
        "--kommune=901",
        "--leder=leder_a",
        "--navn=Ledelsesinformation",
        "--ret=evaluation:read",
        stdout=out,
    )
    secret = out.getvalue().strip().splitlines()[-1]
    assert api(secret).get("/api/evaluering/").status_code == 200
    listing = StringIO()
    call_command("spor_api_token", "list", "--kommune=901", "--leder=leder_a", stdout=listing)
    assert "Ledelsesinformation" in listing.getvalue() and secret not in listing.getvalue()
    call_command(
        "spor_api_token",
        "revoke",
        "--kommune=901",
        "--leder=leder_a",
        "--navn=Ledelsesinformation",
        stdout=StringIO(),
    )
    assert api(secret).get("/api/evaluering/").status_code == 401
    with pytest.raises(CommandError, match="kun PPR-lederen kan oprette og tilbagekalde"):
        call_command("spor_api_token", "list", "--kommune=901", "--leder=psykolog_a")
    with pytest.raises(CommandError, match="Ukendt rettighed"):
        call_command(
            "spor_api_token",
            "create",
            "--kommune=901",
            "--leder=leder_a",
            "--navn=X",
            "--ret=alt",
            stdout=StringIO(),
        )
