"""Evaluation reports made as jobs: the PDF report and the XLSX workbook of the evaluation
page (issue 7, part 5). A job records what was asked (the page's filters), how far it has
come (step x of y) and, when done, the file. Only aggregate figures go into a report; the
file is kept so its maker can download it, and old jobs are deleted when a new one is made
(:func:`spor.evaluation.web.services.report_job_create`).

A tenant table with row-level security on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from spor.tenancy.models import TenantModel

# A job that has not finished after this long was lost (the web process restarted).
STALE_AFTER = dt.timedelta(minutes=15)


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF-rapport"
    XLSX = "xlsx", "Regneark (XLSX)"


class ReportStatus(models.TextChoices):
    QUEUED = "venter", "Venter"
    RUNNING = "i_gang", "I gang"
    DONE = "faerdig", "Færdig"
    FAILED = "fejlet", "Fejlet"


class ReportJob(TenantModel):
    created_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+", verbose_name="bestilt af"
    )
    created_at = models.DateTimeField("bestilt", default=timezone.now)
    format = models.CharField("format", max_length=4, choices=ReportFormat.choices)
    # The page's query parameters (indsats, type, …), validated again when the job runs.
    filters = models.JSONField("filtre", default=dict)
    status = models.CharField(
        "status", max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    step = models.PositiveSmallIntegerField("trin", default=0)
    steps = models.PositiveSmallIntegerField("trin i alt", default=1)
    step_label = models.CharField("trin nu", max_length=80, blank=True)
    pages = models.PositiveSmallIntegerField("sider", null=True, blank=True)
    message = models.CharField("besked", max_length=500, blank=True)
    # What Spor changed in the job's filters since it was ordered, in Danish, for its maker
    # (migration 0003: a period of days became a half-year, or was dropped).
    notice = models.CharField("ændring", max_length=500, blank=True)
    finished_at = models.DateTimeField("færdig", null=True, blank=True)
    filename = models.CharField("filnavn", max_length=120, blank=True)
    result = models.BinaryField("fil", null=True, blank=True)

    class Meta:
        verbose_name = "evalueringsrapport"
        verbose_name_plural = "evalueringsrapporter"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["municipality", "created_by", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_done(self) -> bool:
        return self.status == ReportStatus.DONE

    @property
    def is_lost(self) -> bool:
        """Still 'waiting' or 'running' long after it was asked for: it will not finish."""
        unfinished = self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)
        return unfinished and timezone.now() - self.created_at > STALE_AFTER

    @property
    def is_finished(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED) or self.is_lost

    @property
    def percent(self) -> int:
        if self.is_done:
            return 100
        return min(99, round(100 * self.step / max(self.steps, 1)))
