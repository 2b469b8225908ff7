"""The background job worker's schedule: which management commands run how often.

Pure bookkeeping (no Django): :class:`Schedule` says which jobs are due at a given time;
``manage.py spor_worker`` runs them. Jobs are other apps' management commands, named in
the setting ``SPOR_WORKER_JOBS``; every one of them may run twice without harm (they are
written for cron), so the schedule lives in memory and a restarted worker simply runs each
job once at start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Job:
    command: str
    every_seconds: int
    args: tuple[str, ...] = ()


def jobs_from_setting(raw: Iterable[Mapping[str, object]]) -> list[Job]:
    out = []
    for item in raw:
        every = item.get("every_seconds", 86400)
        args = item.get("args", ())
        if not isinstance(every, int) or every <= 0:
            raise ValueError(f"SPOR_WORKER_JOBS: every_seconds skal være et positivt tal: {item}")
        if not isinstance(args, list | tuple):
            raise ValueError(f"SPOR_WORKER_JOBS: args skal være en liste: {item}")
        out.append(Job(str(item["command"]), every, tuple(str(a) for a in args)))
    return out


@dataclass
class Schedule:
    jobs: list[Job]
    last_run: dict[str, float] = field(default_factory=dict)

    def due(self, now: float) -> list[Job]:
        """Jobs never run, or whose interval has passed since they last started."""
        return [
            j
            for j in self.jobs
            if j.command not in self.last_run or now - self.last_run[j.command] >= j.every_seconds
        ]

    def started(self, job: Job, now: float) -> None:
        self.last_run[job.command] = now

    def seconds_to_next(self, now: float) -> float:
        if not self.jobs:
            return 3600.0
        waits = [
            0.0
            if j.command not in self.last_run
            else self.last_run[j.command] + j.every_seconds - now
            for j in self.jobs
        ]
        return max(0.0, min(waits))
