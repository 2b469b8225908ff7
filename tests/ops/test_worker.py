"""The background worker runs the scheduled jobs named in the settings, skips those that are
not installed, goes on after a failing job, and stops cleanly on SIGTERM."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from spor.ops.worker import Job, Schedule, jobs_from_setting

ROOT = Path(__file__).resolve().parent.parent.parent


def test_a_job_is_due_first_at_once_and_then_after_its_interval() -> None:
    daily, hourly = Job("a", 86400), Job("b", 3600)
    schedule = Schedule([daily, hourly])
    assert schedule.due(1000.0) == [daily, hourly]
    schedule.started(daily, 1000.0)
    schedule.started(hourly, 1000.0)
    assert schedule.due(1000.0 + 3599) == []
    assert schedule.seconds_to_next(1000.0) == 3600
    assert schedule.due(1000.0 + 3600) == [hourly]


def test_a_job_list_with_a_bad_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="every_seconds"):
        jobs_from_setting([{"command": "x", "every_seconds": 0}])
    assert jobs_from_setting([{"command": "x", "args": ["--dry-run"]}]) == [
        Job("x", 86400, ("--dry-run",))
    ]


@pytest.mark.django_db
def test_once_runs_the_installed_jobs_and_skips_the_missing_ones() -> None:
    out = io.StringIO()
    with override_settings(
        SPOR_WORKER_JOBS=[
            {"command": "spor_concern_reminders", "every_seconds": 60, "args": ["--dry-run"]},
            {"command": "spor_no_such_job", "every_seconds": 60},
        ]
    ):
        call_command("spor_worker", "--once", stdout=out)
    text = out.getvalue()
    assert "Springer over: spor_no_such_job findes ikke" in text
    assert "Job spor_concern_reminders færdigt" in text
    assert "Arbejderen er stoppet." in text


@pytest.mark.django_db
def test_a_failing_job_is_reported_and_the_others_still_run() -> None:
    out = io.StringIO()
    with (
        override_settings(
            SPOR_WORKER_JOBS=[
                {"command": "spor_concern_reminders", "args": ["--date", "ikke-en-dato"]},
                {"command": "spor_concern_reminders", "args": ["--dry-run"]},
            ]
        ),
        pytest.raises(CommandError, match="1 job fejlede"),
    ):
        call_command("spor_worker", "--once", stdout=out)
    assert "fejlede (se loggen)" in out.getvalue()
    assert "færdigt" in out.getvalue()


def test_sigterm_stops_the_worker_cleanly(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(ROOT / "src"),
            "SPOR_DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    subprocess.run(
        [sys.executable, "-m", "spor.manage", "migrate", "-v0"], env=env, check=True, timeout=300
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "spor.manage", "spor_worker", "--max-sleep", "30"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "Arbejderen kører" in line:
            break
    assert any("Arbejderen kører" in x for x in lines), "".join(lines)
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, rest
    assert "Modtog SIGTERM" in rest
    assert rest.rstrip().endswith("Arbejderen er stoppet.")
