"""The web process, once started (``spor.wsgi``, what gunicorn loads), has imported every
view and keeps what startup loaded out of the garbage collector's full collections
(``spor.lib.gcpause.freeze_startup_heap``): otherwise some request now and then waits while
the collector walks the ~200,000 objects of startup (docs/scaling.md). The collector is
still on for what requests make."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

PROBE = """
import gc, sys
import spor.wsgi
print(gc.get_freeze_count(), len(gc.get_objects()), gc.isenabled())
print("spor.cases.views" in sys.modules)
"""


def test_the_web_process_freezes_what_startup_loaded(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SPOR_", "DJANGO_"))}
    environ.update(
        {
            "PYTHONPATH": str(ROOT / "src"),
            "SPOR_DATABASE_URL": f"sqlite:///{tmp_path / 'spor.sqlite3'}",
            "SPOR_LOG_LEVEL": "WARNING",
        }
    )
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    frozen, tracked, enabled, views_loaded = int(out[0]), int(out[1]), out[2], out[3]
    assert views_loaded == "True"  # the URL patterns and their views, before any request
    assert frozen > 100_000  # Django's and Spor's modules, functions, classes, patterns
    assert tracked < frozen // 10  # what a full collection walks is what came after
    assert enabled == "True"
