"""One-time links: tokens, their hashes, the public look-up under row-level security, and
the rate limit on guessing.

A token is ``secrets.token_urlsafe(32)``: 256 random bits, 43 URL-safe characters. Only its
SHA-256 is stored (:attr:`MeasurementRequest.token_hash`); the token itself exists only in
the link sent to the informant. A leaked database therefore gives no working link.

**Row-level security.** An anonymous request runs with ``spor.municipality_id = '0'``, which
hides every tenant row. The public view finds the request by its token hash in a controlled
way: for that single query, by exact hash, it sets the system context (``''``), and straight
after it sets the found request's municipality (or ``'0'`` again if none was found) for the
rest of the request's transaction. The middleware restores the previous value at the end.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.urls import reverse

from spor.measurement.models import MeasurementRequest
from spor.ops.proxies import client_address
from spor.tenancy.rls import NO_MUNICIPALITY, SETTING

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


def _set_municipality(value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, value])


def find_request(token: str) -> MeasurementRequest | None:
    """The request a token belongs to, or None for a malformed or unknown token.

    On PostgreSQL this must run inside the request's transaction (the middleware opens one):
    afterwards the transaction sees the found request's municipality only."""
    if not TOKEN_RE.match(token):
        return None
    token_hash = hash_token(token)
    found: tuple[int, int] | None = None
    if connection.vendor == "postgresql":
        _set_municipality("")  # system context, for this one query by exact hash
        try:
            found = (
                MeasurementRequest.objects.filter(token_hash=token_hash)
                .values_list("pk", "municipality_id")
                .first()
            )
        finally:
            _set_municipality(str(found[1]) if found else NO_MUNICIPALITY)
    else:
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
    return int(cache.get(_key(request, scope), 0)) >= limit


def record_bad_token(request: HttpRequest, *, scope: str = "measurement") -> None:
    """Count an unknown link from this address (a fixed window, in Django's cache)."""
    _, minutes = _limit()
    key = _key(request, scope)
    if cache.add(key, 1, timeout=minutes * 60):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=minutes * 60)
