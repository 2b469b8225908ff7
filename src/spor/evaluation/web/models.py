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


# ------------------------------------------- the evaluation's cells, kept per municipality

# The five SDQ subscales and what a cell carries of each (spor.evaluation.web.selectors.Cell):
# the pairs with both scores, Σ before, Σ after, Σ change, Σ change².
SUBSCALES = ("emotional", "conduct", "hyperactivity", "peer", "prosocial")
SUBSCALE_PARTS = ("n", "before", "after", "change", "change2")
SUBSCALE_COLUMNS = tuple(f"{s}_{p}" for s in SUBSCALES for p in SUBSCALE_PARTS)


class OutcomeCell(TenantModel):
    """The evaluation's grouped read, kept: the started deliveries of one municipality that
    share informant, form, norm sets, totals and bands before and after, intervention (with
    its type and level), age group and half-year of the baseline, counted
    (:class:`spor.evaluation.web.selectors.Cell`). Counts and sums only, never a child.

    Written only by :func:`spor.evaluation.web.services.outcome_cells_refresh`, which builds a
    municipality's cells again from the responses; read by the programme's figures
    (:func:`spor.evaluation.web.selectors.programme_cells`) while the municipality's
    :class:`OutcomeCellsState` says nothing has changed since. A tenant table (row-level
    security on PostgreSQL)."""

    informant = models.CharField("informant", max_length=20)
    form = models.CharField("skema", max_length=40)
    norm_before = models.CharField("normsæt før", max_length=80, blank=True)
    norm_after = models.CharField("normsæt efter", max_length=80, null=True, blank=True)
    before = models.FloatField("total før")
    after = models.FloatField("total efter", null=True, blank=True)
    band_before = models.CharField("bånd før", max_length=40, null=True, blank=True)
    band_after = models.CharField("bånd efter", max_length=40, null=True, blank=True)
    intervention = models.ForeignKey(
        "cases.Intervention", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField("indsatstype", max_length=25, blank=True)
    level = models.CharField("niveau", max_length=15, blank=True)
    # The lowest age of the baseline's age group (spor.evaluation.web.forms.AGE_GROUPS), or
    # null for any other age: the publication shows age groups, nothing finer.
    age = models.SmallIntegerField("aldersgruppe (laveste alder)", null=True, blank=True)
    half = models.IntegerField("halvår (år·10 + 1|2)", null=True, blank=True)
    n = models.IntegerField("antal")

    class Meta:
        verbose_name = "evalueringscelle"
        verbose_name_plural = "evalueringsceller"
        indexes = [models.Index(fields=["municipality", "informant"])]


for _column in SUBSCALE_COLUMNS:
    (
        models.IntegerField(_column, default=0)
        if _column.endswith("_n")
        else models.FloatField(_column, default=0.0)
    ).contribute_to_class(OutcomeCell, _column)


class OutcomeCellsState(TenantModel):
    """One row per municipality: when its :class:`OutcomeCell` rows were last built
    (``refreshed_at``) and whether something they are built from has changed since
    (``stale_since``: a response saved, a delivery, case, child or intervention changed, a
    record deleted), and which build they are (``build``). While it is stale (or never
    built) the figures compute the municipality from the responses instead, so what a
    service writes is on the next view; the job ``spor_outcome_cells`` builds the stale ones
    again."""

    refreshed_at = models.DateTimeField("opdateret", null=True, blank=True)
    stale_since = models.DateTimeField("ændret siden", null=True, blank=True)
    # Which build the stored cells are (a new random one for each, written in the same
    # transaction as the cells; null: never built): while the municipality is not stale its
    # stored cells are exactly this build's, so the programme's kept results are found under
    # it without reading them (spor.evaluation.national.tables.kept). A time could repeat
    # (two builds within the clock's resolution, a clock set back); this cannot.
    build = models.UUIDField("bygning", null=True, blank=True)

    class Meta:
        verbose_name = "evalueringscellernes status"
        verbose_name_plural = "evalueringscellernes status"
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="evaluation_cells_state_once")
        ]


class OutcomeCellsPacked(TenantModel):
    """One municipality's stored cells for one informant once more, packed as one value:
    the cells' columns as the programme reads them (``selectors.CellArrays``: each coded
    field's values and codes, the totals, counts and subscale sums, in the build's order),
    so that the programme's read takes a value per municipality instead of a row per cell
    (:func:`spor.evaluation.web.selectors.stored_arrays`). Written only by
    :func:`spor.evaluation.web.services.outcome_cells_refresh`, in the transaction that
    writes the cells, with that build's identity (``build``): it is read only while the
    municipality's :class:`OutcomeCellsState` has the same build, i.e. while the
    :class:`OutcomeCell` rows are exactly what it packs; otherwise the rows are read. A
    tenant table (row-level security on PostgreSQL), as the cells."""

    informant = models.CharField("informant", max_length=20)
    build = models.UUIDField("bygning")
    cells = models.IntegerField("antal celler")
    data = models.BinaryField("cellerne, pakket")

    class Meta:
        verbose_name = "evalueringsceller, pakket"
        verbose_name_plural = "evalueringsceller, pakket"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "informant"], name="evaluation_cells_packed_once"
            )
        ]


class DataVersion(TenantModel):
    """One row per municipality: which version of the data the lead's evaluation page is
    computed from, kept by the database on every write that changes it
    (:mod:`spor.evaluation.web.versions`). ``cells``: the SDQ responses and what the lattice
    groups them by (deliveries, the case's child, the child's birth date, the intervention's
    type and level); ``cases``: the forløb, their deliveries and closings, the concerns and
    their events, the catalogue and who is PPR (the figures beside the SDQ). A new random
    value on each change, so that a value never comes back; the page's kept results are
    found under it without reading the data."""

    cells = models.CharField("udgave af besvarelserne", max_length=36)
    cases = models.CharField("udgave af forløb og bekymringer", max_length=36)
    # PostgreSQL: the transaction that last gave each a new value (pg_current_xact_id), so
    # that a transaction writing many rows changes the row once (updating one row again and
    # again in one transaction grows its chain of row versions: quadratic in the rows).
    cells_xact = models.BigIntegerField("transaktion (besvarelser)", null=True, blank=True)
    cases_xact = models.BigIntegerField("transaktion (forløb)", null=True, blank=True)

    class Meta:
        verbose_name = "evalueringsdataenes udgave"
        verbose_name_plural = "evalueringsdataenes udgaver"
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="evaluation_data_version_once")
        ]
