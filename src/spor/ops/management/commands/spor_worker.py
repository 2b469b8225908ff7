"""``manage.py spor_worker``: runs the queued tasks (evaluation reports) and the scheduled
jobs (SPOR_WORKER_JOBS) until stopped (docs/jobs.md)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from spor.ops import jobs
from spor.ops.models import ScheduledRun
from spor.ops.worker import Job, jobs_from_setting

logger = logging.getLogger("spor.ops.worker")

# After an error reaching the database the worker waits 1, 2, 4, … seconds, at most this.
MAX_BACKOFF = 60.0


class Command(BaseCommand):
    help = (
        "Baggrundsarbejderen: laver de bestilte opgaver (fx evalueringsrapporter) og kører de "
        "planlagte job (management-kommandoer navngivet i indstillingen SPOR_WORKER_JOBS, fx "
        "spor_measurement_reminders kl. 07:00) på deres klokkeslæt, indtil den stoppes. Et "
        "planlagt tidspunkt køres én gang, også med flere arbejdere; et tidspunkt, der blev "
        "misset (arbejderen eller databasen var væk), køres, når de er tilbage, og et job, der "
        "fejler, prøves igen med voksende pauser. SIGTERM eller SIGINT stopper den pænt: det, "
        "der er i gang, gøres færdigt først. Job, som ikke findes i denne installation, "
        "springes over med en besked. --once kører det, der skal køres nu, og stopper."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Kør de job, der skal køre nu, og de ventende opgaver, og stop (fx fra cron).",
        )
        parser.add_argument(
            "--tasks-only",
            action="store_true",
            help="Lav kun de bestilte opgaver (rapporter), ingen planlagte job (fx i demoen).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Sekunder mellem to kig efter nye opgaver (standard 1).",
        )
        parser.add_argument(
            "--max-sleep",
            type=float,
            default=60.0,
            help="Højst så mange sekunder mellem to kig på planen (standard 60).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            configured = jobs_from_setting(settings.SPOR_WORKER_JOBS)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["interval"] <= 0 or options["max_sleep"] <= 0:
            raise CommandError("--interval og --max-sleep skal være større end 0.")
        known = get_commands()
        runnable: list[Job] = []
        for job in [] if options["tasks_only"] else configured:
            if job.command in known:
                runnable.append(job)
            else:
                self._say(f"Springer over: {job.command} findes ikke i denne installation.")
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            name = signal.Signals(signum).name
            self._say(f"Modtog {name}: stopper, når det, der er i gang, er færdigt.")
            stop.set()

        if not options["once"]:
            signal.signal(signal.SIGTERM, _stop)
            signal.signal(signal.SIGINT, _stop)
        me = jobs.worker_name()
        self._say(
            f"Arbejderen kører ({me}): opgaver og "
            + (", ".join(j.describe() for j in runnable) or "ingen planlagte job")
        )
        tz = timezone.get_default_timezone()
        failed = 0
        errors_in_a_row = 0
        unrecorded: list[tuple[ScheduledRun, str]] = []  # runs the database did not hear of
        next_plan = timezone.now()  # look at the plan at once
        while not stop.is_set():
            now = timezone.now()
            try:
                if now >= next_plan:
                    jobs.scheduled_runs_prune(now=now)
                    _, bad = jobs.run_due_jobs(
                        jobs=runnable,
                        worker=me,
                        out=self.stdout,
                        err=self.stderr,
                        stop=stop,
                        unrecorded=unrecorded,
                    )
                    failed += bad
                    now = timezone.now()
                    upcoming = [j.next_slot(now, tz) for j in runnable]
                    later = now + dt.timedelta(seconds=options["max_sleep"])
                    next_plan = min([later, *upcoming])
                jobs.run_ready_tasks(worker=me, stop=stop)
                errors_in_a_row = 0
            except DatabaseError as exc:
                if options["once"]:
                    raise CommandError(f"Databasen kunne ikke nås: {type(exc).__name__}") from exc
                errors_in_a_row += 1
                wait = min(2.0 ** (errors_in_a_row - 1), MAX_BACKOFF)
                logger.warning("Databasen kunne ikke nås (%s)", type(exc).__name__)
                self._say(f"Databasen kunne ikke nås; prøver igen om {wait:.0f} s.")
                self._drop_connection()
                next_plan = timezone.now()  # after recovery, look at the plan at once
                stop.wait(wait)
                continue
            if options["once"]:
                break
            until_plan = (next_plan - timezone.now()).total_seconds()
            stop.wait(max(0.0, min(options["interval"], until_plan)))
        self._say("Arbejderen er stoppet.")
        if options["once"] and failed:
            raise CommandError(f"{failed} job fejlede.")

    def _drop_connection(self) -> None:
        if connection.in_atomic_block:
            return
        close_old_connections()
        with contextlib.suppress(DatabaseError):
            connection.close()

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
