"""The worker's record of scheduled runs: one row per job and slot (docs/jobs.md).

The unique (job, slot) pair is what makes a slot run once however many workers there are:
each worker inserts the row (a second insert of the same pair does nothing) and then claims
it with one conditional UPDATE, which only one of them can win. No data about a person or
a municipality is kept here: the job's name, when it was due, when it ran, and the class of
the error if it failed.
"""

from __future__ import annotations

from django.db import models


class ScheduledRun(models.Model):
    job = models.CharField("job", max_length=100)
    slot = models.DateTimeField("planlagt til")
    attempts = models.PositiveIntegerField("forsøg", default=0)
    # Claimable while unfinished and this time has come: at first the slot itself, while a
    # worker runs it the end of its lease, after a failure the time of the next try.
    next_try_at = models.DateTimeField("næste forsøg")
    started_at = models.DateTimeField("startet", null=True, blank=True)
    finished_at = models.DateTimeField("færdig", null=True, blank=True)
    worker = models.CharField("arbejder", max_length=64, blank=True)
    error = models.CharField("fejl", max_length=200, blank=True)

    class Meta:
        verbose_name = "planlagt kørsel"
        verbose_name_plural = "planlagte kørsler"
        ordering = ["-slot", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="ops_scheduledrun_once_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.slot:%Y-%m-%d %H:%M}"
