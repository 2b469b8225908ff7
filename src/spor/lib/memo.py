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
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["beside", "cached", "clear", "digest", "find"]

T = TypeVar("T")

SIZE = 16

_lock = threading.Lock()
_store: OrderedDict[str, Any] = OrderedDict()
# id(owner) -> (a weak reference to the owner, its values by key): see beside.
_beside: dict[int, tuple[weakref.ref[Any], dict[Hashable, Any]]] = {}


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


def beside(owner: Any, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept for as long as ``owner`` lives: for a value derived from a kept
    result (``owner``, a value :func:`cached` returned) and from ``key``, and from nothing
    else, such as a file written from a report. It needs no digest of its own: while the
    result is kept, the same object is returned for the same inputs, and when the inputs
    change :func:`cached` computes a new object, beside which nothing is kept yet. Nothing
    keeps ``owner`` alive (a weak reference); what was kept beside it goes with it."""
    with _lock:
        entry = _beside.get(id(owner))
        # The same id may be a new object's once the old is gone: the reference says.
        if entry is not None and entry[0]() is owner and key in entry[1]:
            value: T = entry[1][key]
            return value
    value = compute()
    with _lock:
        for ident in [i for i, (ref, _) in _beside.items() if ref() is None]:
            del _beside[ident]
        entry = _beside.get(id(owner))
        if entry is None or entry[0]() is not owner:
            entry = (weakref.ref(owner), {})
            _beside[id(owner)] = entry
        entry[1][key] = value
    return value


def clear() -> None:
    with _lock:
        _store.clear()
        _beside.clear()
