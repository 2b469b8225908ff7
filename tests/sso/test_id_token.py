"""The ID token is trusted only when signed by the broker's published key, for Spor, with
the nonce of this login, and not expired; and claims map to roles as configured."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from spor.sso import oidc
from spor.sso.claims import belongs_to_municipality, claim_values, mapped_role

ISSUER = "https://login.aby.example"
JWKS_URI = f"{ISSUER}/jwks"
BROKER_KEY = RSAKey.generate_key(2048, parameters={"kid": "broker-1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "broker-1"})


@pytest.fixture(autouse=True)
def _published_keys():  # type: ignore[no-untyped-def]
    # The broker's JWKS, as Spor caches it after fetching it.
    import hashlib

    key = "spor-oidc-jwks:" + hashlib.sha256(JWKS_URI.encode()).hexdigest()
    cache.set(key, {"keys": [BROKER_KEY.as_dict(private=False)]}, 600)
    yield
    cache.delete(key)


def _token(key=BROKER_KEY, alg="RS256", **changes) -> str:  # type: ignore[no-untyped-def]
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "spor", "sub": "anna", "iat": now, "exp": now + 300}
    claims |= {"nonce": "n-123"} | changes
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": alg, "kid": "broker-1"}, claims, key)


def _validate(token: str, nonce: str = "n-123") -> dict:  # type: ignore[type-arg]
    return oidc.validate_id_token(
        token, issuer=ISSUER, client_id="spor", nonce=nonce, jwks_uri=JWKS_URI
    )


def test_a_token_signed_by_the_broker_for_spor_with_the_nonce_is_accepted() -> None:
    assert _validate(_token())["sub"] == "anna"


@pytest.mark.parametrize(
    "token,why",
    [
        (lambda: _token(key=OTHER_KEY), "signed by another key"),
        (lambda: _token(nonce="n-999"), "another login's nonce"),
        (lambda: _token(nonce=None), "no nonce"),
        (lambda: _token(aud="another-client"), "for another client"),
        (lambda: _token(iss="https://evil.example"), "from another issuer"),
        (lambda: _token(exp=int(time.time()) - 3600), "expired"),
        (lambda: _token(aud=["spor", "other"], azp="other"), "several audiences, azp not Spor"),
        (lambda: _token(key=OctKey.import_key("s" * 32), alg="HS256"), "symmetric algorithm"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_token_that_should_not_be_trusted_is_refused(token, why: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(oidc.OidcError):
        _validate(token())


def test_the_pkce_challenge_is_the_s256_of_the_verifier() -> None:
    # RFC 7636, appendix B.
    flow = oidc.Flow(
        state="s", nonce="n", code_verifier="dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    )
    assert flow.code_challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    fresh = oidc.Flow.new()
    assert 43 <= len(fresh.code_verifier) <= 128 and fresh.state != oidc.Flow.new().state


ROLE_MAP = {"spor-ppr": "ppr", "spor-leder": "leder", "laerere": "paedagogisk"}


def test_the_broadest_mapped_role_wins_and_unmapped_values_are_ignored() -> None:
    assert (
        mapped_role({"roles": ["laerere", "spor-leder", "kantine"]}, "roles", ROLE_MAP) == "leder"
    )
    assert mapped_role({"roles": "laerere"}, "roles", ROLE_MAP) == "paedagogisk"
    assert mapped_role({"roles": ["kantine"]}, "roles", ROLE_MAP) == ""
    assert mapped_role({}, "roles", ROLE_MAP) == ""


def test_keycloak_client_roles_are_reached_by_a_dotted_claim_name() -> None:
    claims = {"resource_access": {"spor": {"roles": ["spor-ppr"]}}}
    assert claim_values(claims, "resource_access.spor.roles") == ["spor-ppr"]
    assert mapped_role(claims, "resource_access.spor.roles", ROLE_MAP) == "ppr"


def test_the_municipality_claim_must_carry_the_configured_value() -> None:
    assert belongs_to_municipality({"kommune": "901"}, "kommune", "901")
    assert not belongs_to_municipality({"kommune": "902"}, "kommune", "901")
    assert not belongs_to_municipality({}, "kommune", "901")
    assert belongs_to_municipality({}, "", "")
