"""The background worker (docs/jobs.md): scheduled jobs run at fixed local times, once per
slot however many workers there are; a missed slot runs when the worker or the database is
back; a failed run is tried again with growing waits; jobs not installed are skipped; and
SIGTERM stops the worker cleanly. The clock is passed in, so nothing here waits for real
time or depends on the machine's speed."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django.test import override_settings

from spor.ops import jobs
from spor.ops.models import ScheduledRun
from spor.ops.worker import Job, jobs_from_setting, retry_after
from tests.ops.jobkit import ROOT, manage_env
from tests.ops.threads import at_once

CPH = ZoneInfo("Europe/Copenhagen")


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CPH)  # type: ignore[misc]


# --------------------------------------------------------------------------- the plan


def test_a_daily_job_is_due_at_its_local_time_also_across_summer_time() -> None:
    (job,) = jobs_from_setting([{"command": "x", "at": "07:00"}])
    assert job.latest_slot(local(2026, 12, 1, 6, 59), CPH) == local(2026, 11, 30, 7, 0)
    assert job.latest_slot(local(2026, 12, 1, 7, 0), CPH) == local(2026, 12, 1, 7, 0)
    assert job.next_slot(local(2026, 12, 1, 7, 0), CPH) == local(2026, 12, 2, 7, 0)
    # 07:00 in summer is 05:00 UTC, in winter 06:00 UTC.
    assert job.latest_slot(local(2026, 7, 1, 8, 0), CPH).astimezone(dt.UTC).hour == 5
    assert job.latest_slot(local(2026, 1, 1, 8, 0), CPH).astimezone(dt.UTC).hour == 6
    # 02:30 does not exist on the night summer time starts; the job runs all the same.
    (night,) = jobs_from_setting([{"command": "y", "at": "02:30"}])
    start = local(2026, 3, 29, 1, 0)
    assert night.next_slot(start, CPH) > start
    assert night.next_slot(start, CPH) < local(2026, 3, 29, 4, 0)


def test_an_hourly_job_is_due_on_the_hour_and_several_times_a_day_work() -> None:
    hourly, twice = jobs_from_setting(
        [{"command": "x", "every_minutes": 60}, {"command": "y", "at": ["13:00", "07:00"]}]
    )
    assert hourly.latest_slot(local(2026, 12, 1, 9, 59, 59), CPH) == local(2026, 12, 1, 9, 0)
    assert hourly.next_slot(local(2026, 12, 1, 9, 0), CPH) == local(2026, 12, 1, 10, 0)
    assert twice.latest_slot(local(2026, 12, 1, 12, 0), CPH) == local(2026, 12, 1, 7, 0)
    assert twice.next_slot(local(2026, 12, 1, 12, 0), CPH) == local(2026, 12, 1, 13, 0)


def test_retries_wait_longer_each_time_up_to_an_hour() -> None:
    waits = [retry_after(n).total_seconds() / 60 for n in range(1, 10)]
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.parametrize(
    "item,message",
    [
        ({"command": "x", "every_seconds": 3600}, "enten at"),
        ({"command": "x"}, "enten at"),
        ({"command": "x", "at": "7:00", "every_minutes": 60}, "enten at"),
        ({"command": "x", "at": "25:00"}, "TT:MM"),
        ({"command": "x", "at": "kl. 7"}, "TT:MM"),
        ({"command": "x", "every_minutes": 0}, "enten at"),
        ({"command": "x", "every_minutes": "60"}, "every_minutes"),
        ({"command": "x", "at": "07:00", "args": "--dry-run"}, "args"),
        ({"at": "07:00"}, "command"),
    ],
)
def test_a_bad_job_list_is_refused_in_danish(item: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        jobs_from_setting([item])


def test_the_same_job_twice_needs_a_name_of_its_own() -> None:
    with pytest.raises(ValueError, match="to gange"):
        jobs_from_setting([{"command": "x", "at": "07:00"}, {"command": "x", "at": "08:00"}])
    a, b = jobs_from_setting(
        [{"command": "x", "at": "07:00"}, {"command": "x", "at": "08:00", "name": "x-sent"}]
    )
    assert (a.key, b.key) == ("x", "x-sent")


# --------------------------------------------------------------------------- slots


class Commands:
    """Stands in for call_command: records each run; ``fail`` says which runs raise."""

    def __init__(self, fail: Callable[[int], BaseException | None] = lambda n: None) -> None:
        self.calls: list[str] = []
        self.fail = fail
        self.lock = threading.Lock()

    def __call__(self, name: str, *args: str, **kwargs: Any) -> None:
        with self.lock:
            self.calls.append(name)
            exc = self.fail(len(self.calls))
        if exc is not None:
            raise exc


def tick(
    job: Job,
    now: dt.datetime,
    worker: str = "w1",
    unrecorded: list[tuple[ScheduledRun, str]] | None = None,
) -> tuple[int, int]:
    out = io.StringIO()
    return jobs.run_due_jobs(
        jobs=[job],
        worker=worker,
        out=out,
        err=out,
        stop=threading.Event(),
        clock=lambda: now,
        unrecorded=unrecorded,
    )


REMINDERS = Job("spor_measurement_reminders", at=(dt.time(7, 0),))


@pytest.mark.django_db
def test_a_slot_runs_once_and_a_missed_slot_runs_when_the_worker_is_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cmd = Commands()
    monkeypatch.setattr(jobs, "call_command", cmd)
    assert tick(REMINDERS, local(2026, 12, 1, 7, 0, 5)) == (1, 0)
    assert tick(REMINDERS, local(2026, 12, 1, 7, 0, 6)) == (0, 0)
    assert tick(REMINDERS, local(2026, 12, 1, 15, 0)) == (0, 0)  # a restart: not again
    assert tick(REMINDERS, local(2026, 12, 2, 6, 59)) == (0, 0)
    # The worker was away on the 2nd at 07:00 and the 3rd; back on the 4th at 09:12, it
    # runs the job once (the latest slot), not once per missed day.
    assert tick(REMINDERS, local(2026, 12, 4, 9, 12)) == (1, 0)
    assert tick(REMINDERS, local(2026, 12, 4, 9, 13)) == (0, 0)
    assert cmd.calls == ["spor_measurement_reminders"] * 2
    slots = list(ScheduledRun.objects.order_by("slot").values_list("slot", "attempts"))
    assert slots == [(local(2026, 12, 1, 7, 0), 1), (local(2026, 12, 4, 7, 0), 1)]
    assert not ScheduledRun.objects.filter(finished_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_job_that_fails_because_the_database_is_away_is_tried_again_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    away = OperationalError("server closed the connection unexpectedly")
    cmd = Commands(fail=lambda n: away if n <= 2 else None)
    monkeypatch.setattr(jobs, "call_command", cmd)
    t0 = local(2026, 12, 1, 7, 0, 10)
    assert tick(REMINDERS, t0) == (1, 1)
    run = ScheduledRun.objects.get()
    assert run.finished_at is None and run.error == "OperationalError"
    assert run.next_try_at == t0 + dt.timedelta(minutes=1)
    assert tick(REMINDERS, t0 + dt.timedelta(seconds=59)) == (0, 0)  # not yet
    t1 = t0 + dt.timedelta(minutes=1)
    assert tick(REMINDERS, t1) == (1, 1)  # second failure: the wait doubles
    run.refresh_from_db()
    assert run.next_try_at == t1 + dt.timedelta(minutes=2) and run.attempts == 2
    assert tick(REMINDERS, t1 + dt.timedelta(minutes=1)) == (0, 0)
    assert tick(REMINDERS, t1 + dt.timedelta(minutes=2)) == (1, 0)  # the database is back
    run.refresh_from_db()
    assert run.finished_at is not None and run.error == "" and run.attempts == 3
    assert tick(REMINDERS, t1 + dt.timedelta(hours=1)) == (0, 0)
    assert len(cmd.calls) == 3


@pytest.mark.django_db
def test_a_failure_the_database_did_not_hear_of_is_recorded_when_it_is_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The database goes away during the run: the job fails, and so does recording that.
    away = OperationalError("server closed the connection unexpectedly")
    cmd = Commands(fail=lambda n: away if n == 1 else None)
    monkeypatch.setattr(jobs, "call_command", cmd)
    record = jobs.scheduled_run_finish
    tries: list[int] = []

    def finish(**kwargs: Any) -> bool:
        tries.append(1)
        if len(tries) == 1:
            raise OperationalError("could not connect to server")
        return record(**kwargs)

    monkeypatch.setattr(jobs, "scheduled_run_finish", finish)
    unrecorded: list[tuple[ScheduledRun, str]] = []
    t0 = local(2026, 12, 1, 7, 0, 10)
    with pytest.raises(OperationalError):
        tick(REMINDERS, t0, unrecorded=unrecorded)
    assert [error for _, error in unrecorded] == ["OperationalError"]
    # Back five minutes later, the worker first records the failure; the job is then
    # tried after its back-off (a minute), not after its two-hour lease.
    t1 = t0 + dt.timedelta(minutes=5)
    assert tick(REMINDERS, t1, unrecorded=unrecorded) == (0, 0)
    assert unrecorded == []
    run = ScheduledRun.objects.get()
    assert run.error == "OperationalError" and run.next_try_at == t1 + dt.timedelta(minutes=1)
    assert tick(REMINDERS, t1 + dt.timedelta(minutes=1), unrecorded=unrecorded) == (1, 0)
    run.refresh_from_db()
    assert run.finished_at is not None and len(cmd.calls) == 2


@pytest.mark.django_db
def test_a_slot_whose_worker_died_is_taken_over_when_its_lease_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cmd = Commands()
    monkeypatch.setattr(jobs, "call_command", cmd)
    t0 = local(2026, 12, 1, 7, 0)
    # Worker 1 claims the slot and is killed before it records anything.
    assert jobs.scheduled_run_claim(job=REMINDERS, now=t0, worker="w1") is not None
    assert tick(REMINDERS, t0 + jobs.LEASE - dt.timedelta(seconds=1), worker="w2") == (0, 0)
    assert tick(REMINDERS, t0 + jobs.LEASE, worker="w2") == (1, 0)
    run = ScheduledRun.objects.get()
    assert run.worker == "w2" and run.attempts == 2 and run.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_moment_run_each_slot_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cmd = Commands()
    monkeypatch.setattr(jobs, "call_command", cmd)
    plan = jobs_from_setting(
        [
            {"command": "spor_retention", "at": "02:30"},
            {"command": "spor_notify_due", "every_minutes": 60},
            {"command": "spor_measurement_reminders", "at": "07:00"},
        ]
    )
    now = local(2026, 12, 1, 7, 0, 1)
    names = iter(["w1", "w2"])

    def worker() -> tuple[int, int]:
        me = next(names)
        out = io.StringIO()
        return jobs.run_due_jobs(
            jobs=plan, worker=me, out=out, err=out, stop=threading.Event(), clock=lambda: now
        )

    results = at_once(worker)
    assert sorted(cmd.calls) == ["spor_measurement_reminders", "spor_notify_due", "spor_retention"]
    assert sum(ran for ran, _ in results) == 3
    assert sorted(ScheduledRun.objects.values_list("job", "attempts")) == [
        ("spor_measurement_reminders", 1),
        ("spor_notify_due", 1),
        ("spor_retention", 1),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_run_each_scheduled_job_once() -> None:
    # The real command in two processes on the same database, started together.
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "spor.manage", "spor_worker", "--once"],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    both = "\n".join(outs)
    for job in ("spor_retention", "spor_notify_due", "spor_measurement_reminders"):
        assert both.count(f"Job {job} færdigt") == 1, both
    assert not ScheduledRun.objects.exclude(attempts=1).exists()
    assert not ScheduledRun.objects.filter(finished_at__isnull=True).exists()


def _env(**changes: str) -> dict[str, str]:
    return manage_env(PYTHONUNBUFFERED="1", **changes)


# --------------------------------------------------------------------------- the command


@pytest.mark.django_db
def test_once_runs_the_installed_jobs_and_skips_the_missing_ones() -> None:
    out = io.StringIO()
    with override_settings(
        SPOR_WORKER_JOBS=[
            {"command": "spor_concern_reminders", "at": "07:00", "args": ["--dry-run"]},
            {"command": "spor_no_such_job", "every_minutes": 60},
        ]
    ):
        call_command("spor_worker", "--once", stdout=out)
        text = out.getvalue()
        assert "Springer over: spor_no_such_job findes ikke" in text
        assert "Job spor_concern_reminders færdigt" in text
        assert "Arbejderen er stoppet." in text
        # Run again at once: the slot is done.
        again = io.StringIO()
        call_command("spor_worker", "--once", stdout=again)
        assert "færdigt" not in again.getvalue()


@pytest.mark.django_db
def test_a_failing_job_is_reported_and_the_others_still_run() -> None:
    out = io.StringIO()
    with (
        override_settings(
            SPOR_WORKER_JOBS=[
                {
                    "command": "spor_concern_reminders",
                    "at": "07:00",
                    "args": ["--date", "ikke-en-dato"],
                },
                {
                    "command": "spor_concern_reminders",
                    "name": "påmindelser-prøve",
                    "at": "07:00",
                    "args": ["--dry-run"],
                },
            ]
        ),
        pytest.raises(CommandError, match="1 job fejlede"),
    ):
        call_command("spor_worker", "--once", stdout=out)
    assert "Job spor_concern_reminders fejlede (CommandError; se loggen)" in out.getvalue()
    assert "Job påmindelser-prøve færdigt" in out.getvalue()


@pytest.mark.django_db
def test_a_bad_job_list_stops_the_worker_with_its_message() -> None:
    with (
        override_settings(SPOR_WORKER_JOBS=[{"command": "x", "every_seconds": 60}]),
        pytest.raises(CommandError, match="enten at"),
    ):
        call_command("spor_worker", "--once")


def _start_worker(env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "spor.manage", "spor_worker", "--max-sleep", "30"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, []


def _read_until(proc: subprocess.Popen[str], lines: list[str], text: str) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        lines.append(line)
        if text in line:
            return
    proc.kill()
    raise AssertionError(f"never printed {text!r}:\n" + "".join(lines))


def test_sigterm_stops_the_worker_cleanly(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(ROOT / "src"),
            "SPOR_DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "-m", "spor.manage", "migrate", "-v0"], env=env, check=True, timeout=600
    )
    proc, lines = _start_worker(env)
    _read_until(proc, lines, "Arbejderen kører")
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, rest
    assert "Modtog SIGTERM" in rest
    assert rest.rstrip().endswith("Arbejderen er stoppet.")


def test_the_worker_waits_out_a_database_outage_and_then_runs_the_missed_jobs(
    tmp_path: Path,
) -> None:
    # The worker starts while its database cannot be opened (its folder is not there):
    # it says so and tries again with growing waits, without dying. Then the database
    # appears (migrated elsewhere, moved into place at once) and the worker runs the
    # jobs whose slots passed meanwhile.
    live, staging = tmp_path / "live", tmp_path / "staging"
    url = f"sqlite:///{live / 'w.sqlite3'}"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONUNBUFFERED="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc, lines = _start_worker(dict(env, SPOR_DATABASE_URL=url))
    try:
        _read_until(proc, lines, "Databasen kunne ikke nås")
        staging.mkdir()
        subprocess.run(
            [sys.executable, "-m", "spor.manage", "migrate", "-v0"],
            env=dict(env, SPOR_DATABASE_URL=f"sqlite:///{staging / 'w.sqlite3'}"),
            check=True,
            timeout=600,
        )
        shutil.move(staging, live)
        _read_until(proc, lines, "Job spor_measurement_reminders færdigt")
        assert proc.poll() is None  # still running
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, rest
    assert rest.rstrip().endswith("Arbejderen er stoppet.")
