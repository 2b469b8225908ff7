"""What the session remembers about how its person logged in."""

from __future__ import annotations

from django.http import HttpRequest

# Set when the second factor is done: "totp" after a right code, "oidc" when the
# municipality's broker (which does MitID Erhverv's own MFA) logged the person in.
SECOND_FACTOR = "spor_second_factor"
# The OIDC flow between its start and the broker's callback: state, nonce, PKCE verifier.
OIDC_FLOW = "spor_oidc_flow"
# After a login through the broker: which broker, and the ID token as the hint for its
# logout (spor.sso.views.logout).
OIDC_LOGOUT = "spor_oidc_logout"


def second_factor_done(request: HttpRequest) -> bool:
    return bool(request.session.get(SECOND_FACTOR))


def mark_second_factor(request: HttpRequest, how: str) -> None:
    # A new session key once the login is complete: a key seen before it is worth nothing.
    request.session.cycle_key()
    request.session[SECOND_FACTOR] = how
