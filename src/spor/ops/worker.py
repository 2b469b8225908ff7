"""The background worker's schedule: which management commands run when.

Pure bookkeeping (no Django). A :class:`Job` runs at fixed local times of day (``"at":
"07:00"`` or a list of times, in the site's time zone, so 07:00 stays 07:00 across summer
time) or every N minutes (``"every_minutes": 60``: on the hour). Each run belongs to a
*slot*: the latest time at or before now when the job was due. ``manage.py spor_worker``
claims a slot in the database before it runs it (:mod:`spor.ops.jobs`), so a slot runs once
however many workers there are, and a slot missed while the worker or the database was
away runs when they are back. Jobs are other apps' management commands, named in the
setting ``SPOR_WORKER_JOBS``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# A failed run is tried again after 1, 2, 4, … minutes, at most an hour apart, until the
# job's next slot takes over.
FIRST_RETRY = dt.timedelta(minutes=1)
LAST_RETRY = dt.timedelta(hours=1)
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Job:
    command: str
    args: tuple[str, ...] = ()
    at: tuple[dt.time, ...] = ()
    every_minutes: int = 0
    name: str = ""

    @property
    def key(self) -> str:
        """The job's name in the database (one row per job and slot)."""
        return self.name or self.command

    def describe(self) -> str:
        when = (
            f"hvert {self.every_minutes}. minut"
            if self.every_minutes
            else "kl. " + ", ".join(t.strftime("%H:%M") for t in self.at)
        )
        return f"{self.key} {when}"

    def latest_slot(self, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
        """The latest time at or before ``now`` when the job was due (in UTC)."""
        if self.every_minutes:
            step = self.every_minutes * 60
            seconds = int((now - _EPOCH).total_seconds()) // step * step
            return _EPOCH + dt.timedelta(seconds=seconds)
        today = now.astimezone(tz).date()
        slots = [
            _local(day, t, tz) for day in (today - dt.timedelta(days=1), today) for t in self.at
        ]
        return max(s for s in slots if s <= now)

    def next_slot(self, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
        """The first time after ``now`` when the job is due (in UTC)."""
        if self.every_minutes:
            return self.latest_slot(now, tz) + dt.timedelta(minutes=self.every_minutes)
        today = now.astimezone(tz).date()
        slots = [
            _local(day, t, tz)
            for day in (today, today + dt.timedelta(days=1), today + dt.timedelta(days=2))
            for t in self.at
        ]
        return min(s for s in slots if s > now)


def _local(day: dt.date, t: dt.time, tz: dt.tzinfo) -> dt.datetime:
    # A time skipped when summer time starts (02:30 on the last Sunday of March) is read
    # with the offset before the change, i.e. it falls an hour later: the job still runs.
    return dt.datetime.combine(day, t, tzinfo=tz).astimezone(dt.UTC)


def retry_after(attempts: int) -> dt.timedelta:
    """How long to wait before trying a failed slot again, after ``attempts`` tries."""
    wait: dt.timedelta = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)
    return wait


def jobs_from_setting(raw: Iterable[object]) -> list[Job]:
    out: list[Job] = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise ValueError(f"SPOR_WORKER_JOBS: hvert job skal være en ordbog: {item!r}")
        if "command" not in item:
            raise ValueError(f"SPOR_WORKER_JOBS: hvert job skal have en command: {item}")
        args = item.get("args", ())
        if not isinstance(args, list | tuple):
            raise ValueError(f"SPOR_WORKER_JOBS: args skal være en liste: {item}")
        at_raw = item.get("at", ())
        every = item.get("every_minutes", 0)
        if isinstance(at_raw, str):
            at_raw = (at_raw,)
        if not isinstance(at_raw, list | tuple) or not all(isinstance(a, str) for a in at_raw):
            raise ValueError(f"SPOR_WORKER_JOBS: at skal være et klokkeslæt TT:MM: {item}")
        if not isinstance(every, int) or isinstance(every, bool) or every < 0:
            raise ValueError(
                f"SPOR_WORKER_JOBS: every_minutes skal være et positivt helt tal: {item}"
            )
        if bool(at_raw) == bool(every):
            raise ValueError(
                'SPOR_WORKER_JOBS: angiv enten at (klokkeslæt, fx "07:00") eller '
                f"every_minutes (fx 60) for hvert job: {item}"
            )
        times = []
        for a in at_raw:
            m = _TIME.match(a)
            if not m:
                raise ValueError(f"SPOR_WORKER_JOBS: at skal være et klokkeslæt TT:MM: {item}")
            times.append(dt.time(int(m[1]), int(m[2])))
        job = Job(
            command=str(item["command"]),
            args=tuple(str(a) for a in args),
            at=tuple(sorted(set(times))),
            every_minutes=every,
            name=str(item.get("name", "")),
        )
        if len(job.key) > 100:
            raise ValueError(f"SPOR_WORKER_JOBS: navnet er for langt (højst 100 tegn): {item}")
        if any(j.key == job.key for j in out):
            raise ValueError(
                f"SPOR_WORKER_JOBS: {job.key} står to gange; giv det ene et andet name: {item}"
            )
        out.append(job)
    return out
