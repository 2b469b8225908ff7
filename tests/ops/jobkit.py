"""Helpers for the tests of background work: run Spor's own commands in another process on
the test database (a second worker, the worker that makes the reports)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database as SPOR_DATABASE_URL (the same role and password as the tests)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    host = f"{s['HOST']}:{s['PORT']}" if s.get("PORT") else s["HOST"]
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{host}/{s['NAME']}"


def manage_env(**changes: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), SPOR_DATABASE_URL=database_url())
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(changes)
    return env


def manage(*args: str, **env_changes: str) -> subprocess.CompletedProcess[str]:
    """``python -m spor.manage ARGS`` in its own process, on the test database."""
    return subprocess.run(
        [sys.executable, "-m", "spor.manage", *args],
        env=manage_env(**env_changes),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@contextmanager
def running_worker() -> Iterator[subprocess.Popen[str]]:
    """``spor_worker --tasks-only`` in its own process on the test database, beside a live
    server (as in production); stopped with SIGTERM at the end."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "spor.manage", "spor_worker", "--tasks-only", "--interval", "0.5"],
        env=manage_env(PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, out
