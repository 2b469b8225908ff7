"""One-time links: tokens, their hashes, the public look-up under row-level security, and
the rate limit on guessing.

A token is ``secrets.token_urlsafe(32)``: 256 random bits, 43 URL-safe characters. Only its
SHA-256 is stored (:attr:`MeasurementRequest.token_hash`); the token itself exists only in
the link sent to the informant. A leaked database therefore gives no working link.

**Row-level security.** An anonymous request sees no tenant rows. The public view asks the
owner's function ``spor_measurement_request_municipality`` which municipality the token's
hash belongs to (one keyed answer, no rows), and sets that municipality (or none, if no
request has the hash) for the rest of the request's transaction
(:func:`spor.tenancy.rls.switch`); the middleware restores the previous value at the end.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from spor.lib import cache as shared_cache
from spor.measurement.models import MeasurementRequest
from spor.ops.proxies import client_address
from spor.tenancy import rls

TOKEN_BYTES = 32
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")

GUESS_LIMIT = 10
GUESS_WINDOW_MINUTES = 15


def new_token() -> tuple[str, str]:
    """(token, its hash): the token goes into the link, the hash into the database."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def link_for(token: str) -> str:
    base = str(getattr(settings, "SPOR_BASE_URL", "")).rstrip("/")
    return base + reverse("measurement_public:answer", kwargs={"token": token})


def municipality_of(function: str, token_hash: str) -> int | None:
    """On PostgreSQL, the municipality a link's hash belongs to (asked of the owner's
    function), which the rest of the request's transaction then sees; on SQLite None."""
    if not rls.postgres():
        return None
    found = rls.lookup(function, token_hash)
    rls.switch(found[0] if found else None)
    return found[0] if found else None


def find_request(token: str) -> MeasurementRequest | None:
    """The request a token belongs to, or None for a malformed or unknown token.

    On PostgreSQL this must run inside the request's transaction (the middleware opens one):
    afterwards the transaction sees the found request's municipality only."""
    if not TOKEN_RE.match(token):
        return None
    token_hash = hash_token(token)
    if (
        rls.postgres()
        and municipality_of("spor_measurement_request_municipality", token_hash) is None
    ):
        return None
    found = (
        MeasurementRequest.objects.filter(token_hash=token_hash)
        .values_list("pk", "municipality_id")
        .first()
    )
    if found is None:
        return None
    return (
        MeasurementRequest.objects.select_related("delivery__case__child")
        .filter(pk=found[0], municipality_id=found[1])
        .first()
    )


# --------------------------------------------------------------------------- guessing


def _limit() -> tuple[int, int]:
    return (
        int(getattr(settings, "SPOR_MEASUREMENT_GUESS_LIMIT", GUESS_LIMIT)),
        int(getattr(settings, "SPOR_MEASUREMENT_GUESS_WINDOW_MINUTES", GUESS_WINDOW_MINUTES)),
    )


def _key(request: HttpRequest, scope: str) -> str:
    return f"spor:{scope}:bad-token:{client_address(request) or 'ukendt'}"


def guessing_blocked(request: HttpRequest, *, scope: str = "measurement") -> bool:
    """True when this address has tried too many unknown links in the window. Each kind
    of one-time link (``scope``: SDQ measurement, staff survey) counts on its own."""
    limit, _ = _limit()
    return int(shared_cache.get(_key(request, scope), 0)) >= limit


def record_bad_token(request: HttpRequest, *, scope: str = "measurement") -> None:
    """Count an unknown link from this address (a fixed window, in Django's cache)."""
    _, minutes = _limit()
    shared_cache.count(_key(request, scope), timeout=minutes * 60)
