"""Results computed from aggregates, kept in the process and found again by their inputs.

The evaluation's publications (the disclosure engine's linear programmes and the figures of
every row beside them) take seconds, while the grouped read they are computed from takes
milliseconds. :func:`cached` keeps a result under the digest of *everything* it is computed
from (:func:`digest`: the read's cells themselves, not a guess at whether they changed), so
a result found is the one the computation would give now: there is nothing to invalidate
and nothing can be stale. A new response, a changed delivery or a moved child changes the
cells, so the next request computes afresh.

Kept per process (a small LRU), never in the shared cache: the values are large Python
objects that need no pickling here, and a process that restarts (new code) starts empty.
Pure: imports no Django.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["cached", "clear", "digest", "find"]

T = TypeVar("T")

SIZE = 16

_lock = threading.Lock()
_store: OrderedDict[str, Any] = OrderedDict()


def digest(*parts: Any) -> str:
    """A key for ``parts`` (their ``repr``: give plain data, ids rather than model
    instances, lists in a fixed order)."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def cached(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, or the value kept under ``key`` by an earlier call. Two requests that
    miss at once both compute (the same value); the store keeps the :data:`SIZE` most
    recently used."""
    with _lock:
        if key in _store:
            _store.move_to_end(key)
            value: T = _store[key]
            return value
    value = compute()
    with _lock:
        _store[key] = value
        _store.move_to_end(key)
        while len(_store) > SIZE:
            _store.popitem(last=False)
    return value


def find(key: str) -> tuple[bool, Any]:
    """Whether a value is kept under ``key``, and the value (marked most recently used)."""
    with _lock:
        if key in _store:
            _store.move_to_end(key)
            return True, _store[key]
    return False, None


def clear() -> None:
    with _lock:
        _store.clear()
