"""`make load` end to end, small: loadtest/run.py makes a demo municipality, starts gunicorn
on 127.0.0.1, runs locust's two phases and prints its table and verdict. (The figures
that matter come from the full run on 60,000 children, docs/scaling.md; this shows the
command works from a clean checkout, with 0 errors.) The run has a fixed size, not a fixed
duration: each phase ends when each of its endpoints has had its requests, so a busy
machine makes it slower, never emptier; the time limits are only generous bounds."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
EACH = 15


@pytest.mark.skipif(
    os.environ.get("SPOR_DATABASE_URL", "").startswith("postgres"),
    reason="the load run has its own SQLite database; once per CI run is enough",
)
def test_a_small_screening_week_runs_with_no_errors_and_prints_its_verdict(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SPOR_"))}
    env["SPOR_DATABASE_URL"] = f"sqlite:///{tmp_path / 'load.sqlite3'}"
    result = subprocess.run(
        [sys.executable, str(ROOT / "loadtest" / "run.py"), "--children", "600",
         "--requests-each", str(EACH), "--seconds", "300", "--bare-seconds", "300",
         "--ppr-pause", "0", "--teachers", "4", "--ppr", "1", "--workers", "1"],
        env=env, capture_output=True, text=True, timeout=1200, cwd=ROOT,
    )  # fmt: skip
    out = result.stdout
    assert result.returncode in (0, 1), out + result.stderr
    assert "Trivselsugen på en kommune med 600 børn" in out
    for name in ("gem trivselsvurdering (række)", "PPR-overblik (runde)", "bart Django-endpoint"):
        row = next(line for line in out.splitlines() if line.startswith(name))
        requests, errors = (int(n.replace(",", "")) for n in row[44:].split()[:2])
        assert requests >= EACH and errors == 0, row
    assert "Mål: 0 fejl — 0 fejl: NÅET" in out
    share = re.search(r"= (\d+)%: (NÅET|IKKE NÅET)$", out.strip().splitlines()[-1])
    assert share is not None, out
    assert (share.group(2) == "NÅET") == (result.returncode == 0)
