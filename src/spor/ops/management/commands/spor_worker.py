"""``manage.py spor_worker``: runs the scheduled jobs (SPOR_WORKER_JOBS) until stopped."""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connection

from spor.ops.worker import Job, Schedule, jobs_from_setting

logger = logging.getLogger("spor.ops.worker")


class Command(BaseCommand):
    help = (
        "Baggrundsarbejderen: kører de planlagte job (management-kommandoer navngivet i "
        "indstillingen SPOR_WORKER_JOBS, fx spor_concern_reminders og spor_retention) med "
        "deres interval, indtil den stoppes. SIGTERM eller SIGINT stopper den pænt: et job, "
        "der er i gang, gøres færdigt først. Job, som ikke findes i denne installation, "
        "springes over med en besked. --once kører de job, der skal køre nu, og stopper."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Kør alle job én gang og stop (fx fra cron)."
        )
        parser.add_argument(
            "--max-sleep",
            type=float,
            default=60.0,
            help="Højst så mange sekunder mellem to kig på planen (standard 60).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            jobs = jobs_from_setting(settings.SPOR_WORKER_JOBS)
        except (ValueError, KeyError) as exc:
            raise CommandError(str(exc)) from exc
        known = get_commands()
        runnable = []
        for job in jobs:
            if job.command in known:
                runnable.append(job)
            else:
                self._say(f"Springer over: {job.command} findes ikke i denne installation.")
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            name = signal.Signals(signum).name
            self._say(f"Modtog {name}: stopper, når det aktuelle job er færdigt.")
            stop.set()

        if not options["once"]:
            signal.signal(signal.SIGTERM, _stop)
            signal.signal(signal.SIGINT, _stop)
        schedule = Schedule(runnable)
        self._say(
            "Arbejderen kører: "
            + (", ".join(f"{j.command} hvert {j.every_seconds} s" for j in runnable) or "ingen job")
        )
        failed = 0
        while not stop.is_set():
            for job in schedule.due(time.time()):
                if stop.is_set():
                    break
                schedule.started(job, time.time())
                failed += not self._run(job)
            if options["once"]:
                break
            stop.wait(min(options["max_sleep"], schedule.seconds_to_next(time.time())))
        self._say("Arbejderen er stoppet.")
        if options["once"] and failed:
            raise CommandError(f"{failed} job fejlede.")

    def _refresh_connections(self) -> None:
        # As around a web request: drop a connection the database has closed (a restart)
        # or that is past its age. Not inside a transaction (tests run the worker in one).
        if not connection.in_atomic_block:
            close_old_connections()

    def _run(self, job: Job) -> bool:
        self._refresh_connections()
        started = time.monotonic()
        try:
            call_command(job.command, *job.args, stdout=self.stdout, stderr=self.stderr)
        except Exception:
            # A failing job is logged and retried at its next interval; the worker goes on.
            logger.exception("Job %s fejlede", job.command)
            self._say(f"Job {job.command} fejlede (se loggen); prøves igen næste gang.")
            return False
        finally:
            self._refresh_connections()
        self._say(f"Job {job.command} færdigt på {time.monotonic() - started:.1f} s.")
        return True

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
