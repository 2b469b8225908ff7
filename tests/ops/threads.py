"""Run a function in two threads at once (two workers, two cron runs), each on its own
database connection, started together at a barrier. Correctness is asserted afterwards,
whatever the interleaving: nothing here depends on how fast the machine is."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def at_once(fn: Callable[[], T], n: int = 2) -> list[T]:
    barrier = threading.Barrier(n)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=120)
            results.append(fn())
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, name=f"spor-test-{i}") for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    assert not errors, errors
    return results
