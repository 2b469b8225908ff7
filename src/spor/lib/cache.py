"""Django's shared cache (``SPOR_CACHE_URL``, Redis) for what may be lost.

What Spor keeps in the cache is an aid, never the record: the guess limit on one-time links
and the OpenID providers' discovery documents and keys. An outage of the cache must not take
the parents' answer pages or the login down with it, so these helpers log the outage (an
ERROR, for operations to see) and carry on as if the cache were empty.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache

__all__ = ["count", "get", "put"]

log = logging.getLogger("spor.cache")


def _outage(operation: str, exc: Exception) -> None:
    # The key is left out: it can hold a client address.
    log.error("Den delte cache svarer ikke (%s): %s", operation, type(exc).__name__)


# The cache backend's own errors are not Django's (redis-py raises redis.exceptions.*, other
# backends their own), hence the broad except: whatever the backend, an outage is survivable.
def get(key: str, default: Any = None) -> Any:
    """``cache.get``; ``default`` while the cache is down."""
    try:
        return cache.get(key, default)
    except Exception as exc:
        _outage("get", exc)
        return default


def put(key: str, value: Any, timeout: int) -> None:
    """``cache.set``; nothing while the cache is down."""
    try:
        cache.set(key, value, timeout)
    except Exception as exc:
        _outage("set", exc)


def count(key: str, timeout: int) -> None:
    """Add one to the counter ``key`` (a fixed window of ``timeout`` seconds from the first);
    nothing while the cache is down."""
    try:
        if cache.add(key, 1, timeout=timeout):
            return
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=timeout)
    except Exception as exc:
        _outage("count", exc)
