"""Python's cyclic garbage collector: held off during one big piece of work, and kept away
from what a web process loaded at startup.

An import makes millions of small objects (cells, rows, keys, tuples for the driver) that
live until it ends. Each allocation past the collector's threshold starts a collection,
and the older generations are walked again and again over the same live objects: a
quarter of the CPU time of importing 60,000 children (3.4–3.9 s with the collector, 2.8 s
without, measured in one session). Nothing it made is garbage in cycles while it runs;
reference counting still frees everything else at once. The collector runs normally again
when the work ends, also when it fails.

A web process holds some 200,000 objects from startup (Django, Spor's modules, URL
patterns, forms, admin); none of them is ever garbage. Every so often (about twice per
300 page requests) the collector walks all of them in a full (generation 2) collection,
and the request it happens in waits for it: 100–300 ms of wall time on the benchmark
machine under load, the single p95 outliers of the page benchmarks (docs/scaling.md,
"Garbage collection and commits in the request path"). :func:`freeze_startup_heap`,
called once when the process is ready to serve (``spor.wsgi``; the page benchmarks do the
same), moves them out of the collector's sight (``gc.freeze``); later collections walk
only what was made after it. Cycles among frozen objects are never collected, which is
why it runs a full collection first.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["freeze_startup_heap", "gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic collector off inside the block (also usable as a decorator). Nested
    or concurrent blocks: the one that turned it off turns it on again; it is process-wide,
    so another thread of a web server meanwhile goes without cycle collection for the
    seconds an import takes, which reference counting makes harmless."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def freeze_startup_heap() -> None:
    """Once, when the process is ready to serve: import every view (the URL patterns, which
    Django otherwise loads at the first request), collect what is garbage now, and freeze
    the rest (``gc.freeze``), so that no full collection during a request walks the objects
    of startup again."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- imports the views and their modules
    gc.collect()
    gc.freeze()
