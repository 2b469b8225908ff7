"""One-time links (the SDQ questionnaire's and the staff survey's), written once: tokens and
their hashes, the link, the look-up by token, the limit on guessing and the headers of the
page a link opens. Each app keeps only what is its own: which model holds the hashes, which
page answers, and which of the owner's functions names a hash's municipality
(``spor.measurement.links``, ``spor.survey.links``).

A token is ``secrets.token_urlsafe(32)``: 256 random bits, 43 URL-safe characters. Only its
SHA-256 is stored (the model's ``token_hash``); the token itself exists only in the link
sent. A leaked database therefore gives no working link. Tokens are kept out of logs by
:mod:`spor.lib.redact`.

**Row-level security** is the tenancy's (``spor.tenancy``, above this package), so the
look-up takes it as an argument: ``enter(token_hash)`` asks the owner's function which
municipality the hash belongs to and sets it (or none) for the rest of the request's
transaction, answering whether there was one (:func:`spor.tenancy.rls.enter_by_key`; on
SQLite there are no walls and it answers True).

**Guessing**: an address that has tried ``SPOR_MEASUREMENT_GUESS_LIMIT`` unknown tokens in
``SPOR_MEASUREMENT_GUESS_WINDOW_MINUTES`` is refused for the rest of the window, each kind of
link (``scope``) counted on its own, in Django's shared cache (:mod:`spor.lib.cache`). The
client's address is the caller's to give (``spor.ops.proxies.client_address``: the one
place that reads the proxy's headers).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django.urls import reverse

from spor.lib import cache as shared_cache

__all__ = [
    "TOKEN_RE",
    "find",
    "guessing_blocked",
    "hash_token",
    "link_for",
    "new_token",
    "private_response",
    "record_bad_token",
]

TOKEN_BYTES = 32
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")

GUESS_LIMIT = 10
GUESS_WINDOW_MINUTES = 15

M = TypeVar("M", bound=Model)
R = TypeVar("R", bound=HttpResponse)


def new_token() -> tuple[str, str]:
    """(token, its hash): the token goes into the link, the hash into the database."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def link_for(view_name: str, token: str) -> str:
    """The whole link (``SPOR_BASE_URL`` and the answer page ``view_name``) for a token."""
    base = str(getattr(settings, "SPOR_BASE_URL", "")).rstrip("/")
    return base + reverse(view_name, kwargs={"token": token})


def find(queryset: QuerySet[M], token: str, *, enter: Callable[[str], bool]) -> M | None:
    """The row of ``queryset`` (a tenant model with ``token_hash``) a token belongs to, or
    None for a malformed or unknown token.

    On PostgreSQL this must run inside the request's transaction (the middleware opens
    one): afterwards the transaction sees the found row's municipality only."""
    if not TOKEN_RE.match(token):
        return None
    token_hash = hash_token(token)
    if not enter(token_hash):
        return None
    found = queryset.filter(token_hash=token_hash).values_list("pk", "municipality_id").first()
    if found is None:
        return None
    return queryset.filter(pk=found[0], municipality_id=found[1]).first()


# --------------------------------------------------------------------------- guessing


def _limit() -> tuple[int, int]:
    return (
        int(getattr(settings, "SPOR_MEASUREMENT_GUESS_LIMIT", GUESS_LIMIT)),
        int(getattr(settings, "SPOR_MEASUREMENT_GUESS_WINDOW_MINUTES", GUESS_WINDOW_MINUTES)),
    )


def _key(address: str | None, scope: str) -> str:
    return f"spor:{scope}:bad-token:{address or 'ukendt'}"


def guessing_blocked(address: str | None, *, scope: str) -> bool:
    """True when this client address has tried too many unknown links of this kind
    (``scope``: ``measurement``, ``survey``) in the window."""
    limit, _ = _limit()
    return int(shared_cache.get(_key(address, scope), 0)) >= limit


def record_bad_token(address: str | None, *, scope: str) -> None:
    """Count an unknown link from this address (a fixed window, in Django's cache)."""
    _, minutes = _limit()
    shared_cache.count(_key(address, scope), timeout=minutes * 60)


# --------------------------------------------------------------------------- the page


def private_response(response: R) -> R:
    """The headers of every page a one-time link opens."""
    # The token is in the URL: keep it out of caches, other sites' Referer headers and search
    # engines. (Not "no-referrer": browsers then send "Origin: null" and the CSRF check fails.)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
