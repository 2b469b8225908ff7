"""The OpenID Connect authorization code flow with PKCE (S256), as the client side.

Spor is a confidential client (``client_secret_basic``) and sends a PKCE challenge as
well, as OAuth 2.0 Security BCP asks. The ID token is checked here and nowhere else: its
signature against the broker's published keys (JWKS; asymmetric algorithms only), the
issuer, the audience (and ``azp`` when there are several), expiry, issue time and the
nonce. Claims the broker sends only from the userinfo endpoint are merged in, after
checking that the userinfo answer is about the same ``sub``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from spor.lib import cache as shared_cache

TIMEOUT = 10
CACHE_SECONDS = 600
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]
LEEWAY_SECONDS = 60


class OidcError(Exception):
    """The broker's answer could not be trusted or understood. The message is for the log."""


@dataclass(frozen=True)
class Flow:
    """What the login's start remembers in the session until the callback."""

    state: str
    nonce: str
    code_verifier: str

    @classmethod
    def new(cls) -> Flow:
        return cls(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),  # 86 characters: within RFC 7636's 43–128
        )

    @property
    def code_challenge(self) -> str:
        digest = hashlib.sha256(self.code_verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _get_json(url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=TIMEOUT, **kwargs)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OidcError(f"GET {url}: {exc}") from exc
    if not isinstance(data, dict):
        raise OidcError(f"GET {url}: not a JSON object")
    return data


def discovery(issuer: str) -> dict[str, Any]:
    key = "spor-oidc-discovery:" + hashlib.sha256(issuer.encode()).hexdigest()
    found: dict[str, Any] | None = shared_cache.get(key)
    if found is None:
        found = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        if found.get("issuer") != issuer.rstrip("/") and found.get("issuer") != issuer:
            raise OidcError(f"discovery names issuer {found.get('issuer')!r}, not {issuer!r}")
        shared_cache.put(key, found, CACHE_SECONDS)
    return found


def authorization_url(
    *, issuer: str, client_id: str, redirect_uri: str, scopes: str, flow: Flow
) -> str:
    return _with_query(
        discovery(issuer)["authorization_endpoint"],
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scopes,
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": flow.code_challenge,
            "code_challenge_method": "S256",
        },
    )


def _with_query(endpoint: str, params: dict[str, str]) -> str:
    """The endpoint with the parameters added (it may have a query of its own already)."""
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def _keyset(jwks_uri: str, *, refresh: bool = False) -> KeySet:
    key = "spor-oidc-jwks:" + hashlib.sha256(jwks_uri.encode()).hexdigest()
    data = None if refresh else shared_cache.get(key)
    if data is None:
        data = _get_json(jwks_uri)
        shared_cache.put(key, data, CACHE_SECONDS)
    try:
        return KeySet.import_key_set(data)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise OidcError(f"JWKS {jwks_uri}: {exc}") from exc


def validate_id_token(
    id_token: str, *, issuer: str, client_id: str, nonce: str, jwks_uri: str
) -> dict[str, Any]:
    token = None
    for refresh in (False, True):  # a key the cache does not know yet: the broker rotated
        try:
            token = jwt.decode(id_token, _keyset(jwks_uri, refresh=refresh), SIGNING_ALGORITHMS)
            break
        except JoseError as exc:
            if refresh:
                raise OidcError(f"ID token signature: {exc}") from exc
        except ValueError as exc:
            raise OidcError(f"ID token: {exc}") from exc
    assert token is not None
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(token.claims)
    except JoseError as exc:
        raise OidcError(f"ID token claims: {exc}") from exc
    audience = token.claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and token.claims.get("azp") != client_id:
        raise OidcError("ID token has several audiences and azp is not Spor")
    return dict(token.claims)


def exchange_code(
    *,
    issuer: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    code: str,
    flow: Flow,
) -> tuple[dict[str, Any], str]:
    """Trade the code for tokens and return the checked claims (ID token + userinfo) and
    the ID token itself (the hint for the broker's logout, :func:`end_session_url`)."""
    meta = discovery(issuer)
    # client_secret_basic: RFC 6749 §2.3.1 form-encodes id and secret before Basic.
    basic = base64.b64encode(
        f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}".encode()
    ).decode()
    try:
        response = requests.post(
            meta["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": flow.code_verifier,
            },
            headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
            timeout=TIMEOUT,
        )
        tokens = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OidcError(f"token endpoint: {exc}") from exc
    if response.status_code != 200 or "id_token" not in tokens:
        raise OidcError(f"token endpoint answered {response.status_code}: {tokens.get('error')}")
    claims = validate_id_token(
        tokens["id_token"],
        issuer=meta["issuer"],
        client_id=client_id,
        nonce=flow.nonce,
        jwks_uri=meta["jwks_uri"],
    )
    userinfo_endpoint = meta.get("userinfo_endpoint")
    if userinfo_endpoint and tokens.get("access_token"):
        info = _get_json(
            userinfo_endpoint, headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        if info.get("sub") != claims["sub"]:
            raise OidcError("userinfo is about another sub than the ID token")
        # The ID token's own claims (iss, aud, nonce, …) win over userinfo's.
        claims = {**info, **claims}
    return claims, str(tokens["id_token"])


def end_session_url(
    *, issuer: str, client_id: str, id_token: str, post_logout_redirect_uri: str
) -> str | None:
    """Where to send the browser so that the broker ends its session too (OpenID Connect
    RP-Initiated Logout 1.0), or None if the broker has no such endpoint."""
    endpoint = discovery(issuer).get("end_session_endpoint")
    if not endpoint:
        return None
    return _with_query(
        endpoint,
        {
            "id_token_hint": id_token,
            "client_id": client_id,
            "post_logout_redirect_uri": post_logout_redirect_uri,
        },
    )
