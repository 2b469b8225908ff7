"""Background work (docs/jobs.md): the scheduled jobs' slots and the queue of tasks.

Two kinds of work, both run by ``manage.py spor_worker``:

- **Tasks** ordered by a request, such as an evaluation report: a function decorated with
  django-tasks' ``@task`` and enqueued; the database backend (django-tasks-db) keeps them in
  a table until a worker takes one. Taking a task locks its row (``SELECT … FOR UPDATE SKIP
  LOCKED`` on PostgreSQL, an exclusive transaction on SQLite), so two workers never run the
  same task.
- **Scheduled jobs**: management commands at fixed times (:mod:`spor.ops.worker`). Before a
  worker runs a job it claims the job's current slot: it inserts the row (job, slot), which
  a unique constraint allows once, and then sets the row's lease with one conditional
  UPDATE, which only one worker can win. A failed run is tried again with growing waits; a
  worker that dies mid-run leaves the lease to expire, and the slot is then tried again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Protocol

from django.core.management import call_command
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker as _TaskRunner
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from spor.ops.models import ScheduledRun
from spor.ops.worker import Job, retry_after

logger = logging.getLogger("spor.ops.worker")

# How long a claimed slot is a worker's before another may try it (a worker killed mid-run
# gives no word). Longer than any job should take; a run that takes longer may be started
# a second time, which every job tolerates (each is idempotent), it just costs work.
LEASE = dt.timedelta(hours=2)
# Finished slots are kept this long for the operators to look at, then deleted.
KEEP_RUNS = dt.timedelta(days=90)


class Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"[:64]


def _refresh_connections() -> None:
    # As around a web request: drop a connection the database has closed (a restart) or
    # that is past its age. Not inside a transaction (tests run the worker in one).
    if not connection.in_atomic_block:
        close_old_connections()


# --------------------------------------------------------------------------- scheduled jobs


def scheduled_run_claim(*, job: Job, now: dt.datetime, worker: str) -> ScheduledRun | None:
    """Claim the job's current slot for this worker, or None if it is done, is being run
    by another worker, or waits for its next try."""
    slot = job.latest_slot(now, timezone.get_default_timezone())
    with transaction.atomic():
        ScheduledRun.objects.bulk_create(
            [ScheduledRun(job=job.key, slot=slot, next_try_at=slot)], ignore_conflicts=True
        )
    with transaction.atomic():
        won = ScheduledRun.objects.filter(
            job=job.key, slot=slot, finished_at__isnull=True, next_try_at__lte=now
        ).update(attempts=F("attempts") + 1, next_try_at=now + LEASE, started_at=now, worker=worker)
        if won != 1:
            return None
        return ScheduledRun.objects.get(job=job.key, slot=slot)


@transaction.atomic
def scheduled_run_finish(*, run: ScheduledRun, now: dt.datetime, error: str = "") -> bool:
    """Record how the claimed run went: done, or failed and when to try again. False if
    the claim was lost meanwhile (its lease ran out and another worker took the slot)."""
    mine = ScheduledRun.objects.filter(pk=run.pk, attempts=run.attempts, finished_at__isnull=True)
    if error:
        return bool(mine.update(next_try_at=now + retry_after(run.attempts), error=error[:200]))
    return bool(mine.update(finished_at=now, error=""))


@transaction.atomic
def scheduled_runs_prune(*, now: dt.datetime) -> int:
    deleted, _ = ScheduledRun.objects.filter(slot__lt=now - KEEP_RUNS).delete()
    return deleted


def run_due_jobs(
    *,
    jobs: list[Job],
    worker: str,
    out: Writer,
    err: Writer,
    stop: threading.Event,
    clock: Callable[[], dt.datetime] = timezone.now,
    unrecorded: list[tuple[ScheduledRun, str]] | None = None,
) -> tuple[int, int]:
    """Claim and run every job whose slot is due; (ran, failed). A job that fails is logged
    and tried again later; the others still run. Errors reaching the database while
    claiming or recording propagate (the worker waits and tries again). A run whose outcome
    could not be recorded (the database went away during it) waits in ``unrecorded``,
    which the worker passes again: it is recorded first, as soon as the database is back,
    so a failed run is retried after its back-off, not after its lease."""
    pending = unrecorded if unrecorded is not None else []
    while pending:
        _refresh_connections()
        missed, missed_error = pending[0]
        scheduled_run_finish(run=missed, now=clock(), error=missed_error)
        pending.pop(0)
    ran = failed = 0
    for job in jobs:
        if stop.is_set():
            break
        _refresh_connections()
        run = scheduled_run_claim(job=job, now=clock(), worker=worker)
        if run is None:
            continue
        ran += 1
        error = _run_command(job, run, out, err)
        failed += bool(error)
        pending.append((run, error))
        _refresh_connections()
        scheduled_run_finish(run=run, now=clock(), error=error)
        pending.pop()
        if error:
            wait = retry_after(run.attempts)
            out.write(
                f"Job {job.key} fejlede ({error}; se loggen); prøves igen om "
                f"{int(wait.total_seconds() // 60)} min."
            )
    return ran, failed


def _run_command(job: Job, run: ScheduledRun, out: Writer, err: Writer) -> str:
    """Run the job's command; the error's class name if it failed, else ''."""
    started = timezone.now()
    try:
        call_command(job.command, *job.args, stdout=out, stderr=err)
    except Exception as exc:
        logger.exception("Job %s (forsøg %s) fejlede", job.key, run.attempts)
        return type(exc).__name__ or "fejl"
    seconds = (timezone.now() - started).total_seconds()
    out.write(f"Job {job.key} færdigt på {seconds:.1f} s.")
    return ""


# --------------------------------------------------------------------------- queued tasks


def run_ready_tasks(*, worker: str, stop: threading.Event) -> int:
    """Run the queued tasks that are ready, one at a time, until none is left or the
    worker is asked to stop; how many ran. The task's own errors are recorded on the task
    by django-tasks-db; errors reaching the database propagate."""
    runner = _TaskRunner(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker,
        excluded_queue_names=[],
    )
    ran = 0
    while not stop.is_set():
        _refresh_connections()
        ready = DBTaskResult.objects.ready().filter(backend_name=DEFAULT_TASK_BACKEND_ALIAS)
        with exclusive_transaction(ready.db):
            task_result = ready.get_locked()
            if task_result is not None:
                task_result.claim(worker)
        if task_result is None:
            return ran
        runner.run_task(task_result)
        ran += 1
    return ran
