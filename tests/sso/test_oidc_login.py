"""Logging in through the municipality's broker, end to end against a real OpenID Connect
provider (tests/sso/conftest.py): Spor's redirect with a PKCE challenge, the provider's
login and consent screens, the callback, and the person landing in Spor with the role the
claims map to."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlparse

import requests

from spor.accounts.models import Membership, Role, User
from spor.sso.models import LoginEvent, LoginOutcome, OidcIdentity
from tests.conftest import World
from tests.sso.conftest import Broker

ANNA = {
    "name": "Anna Andersen",
    "given_name": "Anna",
    "family_name": "Andersen",
    "email": "anna@aby.example",
    "roles": ["spor-ppr", "some-other-group"],
    "kommune": "901",
}


def _submit(session: requests.Session, page: requests.Response, **fields: str):  # type: ignore[no-untyped-def]
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    assert action is not None, page.text[:500]
    return session.post(urljoin(page.url, action.group(1)), data=fields, allow_redirects=False)


def _through_the_broker(live_server, login: str) -> tuple[requests.Session, str]:  # type: ignore[no-untyped-def]
    """Start at Spor's button and go through the provider's screens; returns the session and
    the callback URL the provider sends the browser back to (not yet followed)."""
    s = requests.Session()
    page = s.get(f"{live_server.url}/log-ind/")
    assert "Log ind med kommunens login (MitID Erhverv)" in page.text
    start = s.get(f"{live_server.url}/log-ind/sso/start/?kommune=901", allow_redirects=False)
    assert start.status_code == 302
    authorize = parse_qs(urlparse(start.headers["Location"]).query)
    assert authorize["code_challenge_method"] == ["S256"]
    assert len(authorize["code_challenge"][0]) == 43
    assert authorize["state"] and authorize["nonce"]
    assert "client_secret" not in start.headers["Location"]

    response = s.get(start.headers["Location"])  # the provider's login screen
    assert 'name="login"' in response.text
    response = _submit(s, response, prompt="login", login=login, password="hvad-som-helst")
    while (
        response.status_code in (302, 303)
        and "/log-ind/sso/callback/" not in (response.headers["Location"])
    ):
        response = s.get(urljoin(response.url, response.headers["Location"]), allow_redirects=False)
        if response.status_code == 200 and 'value="consent"' in response.text:
            response = _submit(s, response, prompt="consent")
    callback = urljoin(response.url, response.headers["Location"])
    assert callback.startswith(f"{live_server.url}/log-ind/sso/callback/")
    return s, callback


def test_a_psychologist_logs_in_through_the_broker_and_lands_with_the_mapped_role(
    world: World, live_server, broker: Broker
) -> None:  # type: ignore[no-untyped-def]
    broker.accounts({"anna-7f3a": ANNA})
    s, callback = _through_the_broker(live_server, "anna-7f3a")
    landed = s.get(callback)

    assert landed.status_code == 200
    assert landed.url == f"{live_server.url}/"  # not sent on to a TOTP code: the broker did MFA
    assert "Velkommen, Anna" in landed.content.decode()
    identity = OidcIdentity.objects.get(subject="anna-7f3a")
    assert identity.issuer == broker.issuer
    assert identity.municipality_id == world.a.pk
    membership = Membership.objects.get(user=identity.user)
    assert (membership.municipality_id, membership.role, membership.active) == (
        world.a.pk,
        Role.PPR,
        True,
    )
    assert identity.user.email == "anna@aby.example"
    assert not identity.user.has_usable_password()
    assert LoginEvent.objects.filter(
        user=identity.user, method="oidc", outcome=LoginOutcome.SUCCESS
    ).exists()
    assert s.get(f"{live_server.url}/boern/").status_code == 200  # reaches Aby's children


def test_the_next_login_finds_the_same_person_by_sub_and_takes_the_role_from_the_claims(
    world: World, live_server, broker: Broker
) -> None:  # type: ignore[no-untyped-def]
    broker.accounts({"anna-7f3a": ANNA})
    s, callback = _through_the_broker(live_server, "anna-7f3a")
    s.get(callback)
    # Promoted at the broker, and her e-mail changed: still the same person in Spor.
    broker.accounts(
        {"anna-7f3a": {**ANNA, "email": "anna.a@aby.example", "roles": ["spor-leder", "spor-ppr"]}}
    )
    s, callback = _through_the_broker(live_server, "anna-7f3a")
    assert s.get(callback).status_code == 200

    identity = OidcIdentity.objects.get(subject="anna-7f3a")
    assert OidcIdentity.objects.count() == 1
    assert Membership.objects.get(user=identity.user).role == Role.LEAD
    assert User.objects.filter(email__startswith="anna").count() == 1


def test_a_role_taken_away_at_the_broker_is_taken_away_in_spor(
    world: World, live_server, broker: Broker
) -> None:  # type: ignore[no-untyped-def]
    broker.accounts({"anna-7f3a": ANNA})
    s, callback = _through_the_broker(live_server, "anna-7f3a")
    s.get(callback)
    broker.accounts({"anna-7f3a": {**ANNA, "roles": ["some-other-group"]}})

    s, callback = _through_the_broker(live_server, "anna-7f3a")
    refused = s.get(callback)

    assert refused.status_code == 403
    assert "Du har ikke adgang til Spor" in refused.content.decode()
    user = OidcIdentity.objects.get(subject="anna-7f3a").user
    assert not Membership.objects.get(user=user).active
    assert s.get(f"{live_server.url}/boern/").url.startswith(f"{live_server.url}/log-ind/")


def test_a_person_without_a_mapped_role_gets_a_danish_page_and_no_account(
    world: World, live_server, broker: Broker
) -> None:  # type: ignore[no-untyped-def]
    broker.accounts({"bo-11": {**ANNA, "name": "Bo", "roles": ["kantine"]}})
    users_before = User.objects.count()
    s, callback = _through_the_broker(live_server, "bo-11")
    refused = s.get(callback)

    assert refused.status_code == 403
    assert "Du har ikke adgang til Spor" in refused.content.decode()
    assert "Aby Kommune" in refused.content.decode()
    assert User.objects.count() == users_before
    assert not OidcIdentity.objects.exists()
    event = LoginEvent.objects.get(outcome=LoginOutcome.NO_ROLE)
    assert (event.user_id, event.subject, event.municipality_id) == (None, "bo-11", world.a.pk)


def test_a_person_of_another_municipality_at_a_shared_broker_is_refused(
    world: World, live_server, broker: Broker
) -> None:  # type: ignore[no-untyped-def]
    from spor.sso.models import OidcProvider

    OidcProvider.objects.filter(municipality=world.a).update(
        municipality_claim="kommune", municipality_value="901"
    )
    broker.accounts({"carl-2": {**ANNA, "kommune": "902"}})
    s, callback = _through_the_broker(live_server, "carl-2")
    assert s.get(callback).status_code == 403
    assert not OidcIdentity.objects.exists()


def test_a_tampered_state_is_refused_and_the_flow_cannot_be_replayed(
    world: World, live_server, broker: Broker
) -> None:  # type: ignore[no-untyped-def]
    broker.accounts({"anna-7f3a": ANNA})
    s, callback = _through_the_broker(live_server, "anna-7f3a")
    tampered = re.sub(r"state=[^&]+", "state=forfalsket", callback)
    assert tampered != callback

    refused = s.get(tampered)
    assert refused.status_code == 400
    assert "ikke passer til dette login-forsøg" in refused.content.decode()
    # The start is used up by the refused answer: the genuine one no longer logs in either.
    assert s.get(callback).status_code == 400
    assert not OidcIdentity.objects.exists()
    assert s.get(f"{live_server.url}/boern/").url.startswith(f"{live_server.url}/log-ind/")


def test_a_callback_without_a_started_login_is_refused(world: World, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/log-ind/sso/callback/?code=abc&state=xyz")
    assert response.status_code == 400
    assert "Start forfra" in response.content.decode()


def test_the_login_page_has_a_button_per_municipality_broker(world: World, client) -> None:  # type: ignore[no-untyped-def]
    from spor.sso.models import OidcProvider

    for muni in (world.a, world.b):
        OidcProvider.objects.create(
            municipality=muni, issuer="https://login.example", client_id="spor"
        )
    page = client.get("/log-ind/").content.decode()
    assert page.count("Log ind med kommunens login (MitID Erhverv)") == 2
    assert "/log-ind/sso/start/?kommune=901" in page and "Bby Kommune" in page


def test_a_municipality_without_a_broker_has_no_login_start(world: World, client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/log-ind/sso/start/?kommune=901").status_code == 404
    assert "kommunens login" not in client.get("/log-ind/").content.decode()


def test_logging_out_when_the_broker_cannot_be_reached_still_logs_out_of_spor(
    world: World,
) -> None:
    from django.test import Client

    from spor.sso.models import OidcProvider
    from spor.sso.session import OIDC_LOGOUT

    gone = OidcProvider.objects.create(
        municipality=world.a, issuer="http://127.0.0.1:9", client_id="spor", role_claim="roles"
    )
    client = Client()
    client.force_login(world.lead_a)
    session = client.session
    session[OIDC_LOGOUT] = {"provider": gone.pk, "id_token": "ikke-brugt"}
    session.save()
    assert client.get("/log-ud/").status_code == 405  # a link cannot log anyone out
    response = client.post("/log-ud/")
    assert response.status_code == 302 and response["Location"] == "/log-ind/"
    assert client.get("/").status_code == 302  # logged out of Spor all the same


def test_a_password_login_logs_out_to_the_login_page(world: World) -> None:
    client = world.client_for(world.lead_a)
    response = client.post("/log-ud/")
    assert response.status_code == 302 and response["Location"] == "/log-ind/"
    assert client.get("/")["Location"].startswith("/log-ind/")
