"""Writes of the evaluation reports: order a report (a :class:`ReportJob`) and make it.

A report is made by the background worker (``manage.py spor_worker``, docs/jobs.md), so the
lead sees its progress instead of a request that hangs: ordering saves the job and enqueues
the task :func:`spor.evaluation.web.tasks.make_report` in the same transaction (the task
waits in the database), and the worker makes the file and records each step on the job. A
job that does not finish (no worker running, or it was killed mid-report) shows as failed
after :data:`~spor.evaluation.web.models.STALE_AFTER` and can be ordered again.

The worker has its own connection, so it tells the database which municipality it works
for, as the request middleware does (row-level security).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import Membership
from spor.cases.models import Case, Delivery, Intervention
from spor.evaluation.web import lattice, reports, selectors
from spor.evaluation.web.forms import FilterForm
from spor.evaluation.web.models import (
    SUBSCALE_COLUMNS,
    OutcomeCell,
    OutcomeCellsPacked,
    OutcomeCellsState,
    ReportFormat,
    ReportJob,
    ReportStatus,
)
from spor.measurement.models import Informant, Response
from spor.registry.models import Child
from spor.tenancy import rls

logger = logging.getLogger(__name__)

FILTER_KEYS = tuple(FilterForm.base_fields)
MAX_RUNNING = 3
KEEP_FOR = dt.timedelta(days=7)
MSG_FORMAT = "Vælg PDF-rapport eller regneark (XLSX)."
MSG_FILTERS = "Filtrene kunne ikke bruges. Ret de markerede felter og prøv igen."
MSG_BUSY = (
    f"Du har allerede {MAX_RUNNING} rapporter, der er ved at blive lavet. "
    "Vent, til en af dem er færdig."
)
MSG_FAILED = "Rapporten kunne ikke laves. Prøv igen; sker det igen, så kontakt driften."
MSG_LOST = (
    "Rapporten blev ikke færdig. Bestil den igen; sker det igen, så kontakt driften "
    "(kører baggrundsarbejderen?)."
)

STEPS = {
    ReportFormat.PDF: ["Henter besvarelserne", "Beregner tallene", "Sætter siderne op",
                       "Skriver PDF-filen"],
    ReportFormat.XLSX: ["Henter besvarelserne", "Beregner tallene", "Skriver regnearket"],
}  # fmt: skip


class ReportError(ValueError):
    pass


def filter_form(actor: Actor, params: Mapping[str, Any]) -> FilterForm:
    """The page's filter form, bound to the page's query parameters."""
    return FilterForm(
        {k: params[k] for k in FILTER_KEYS if k in params and params[k] != ""},
        interventions=selectors.interventions_for(actor),
    )


@transaction.atomic
def report_job_create(*, actor: Actor, format: str, params: Mapping[str, Any]) -> ReportJob:
    """Order a report with the page's filters. Bad filters or format: :class:`ReportError`,
    and nothing is saved."""
    if not actor.is_lead:
        raise ReportError("Kun PPR-lederen kan bestille en evalueringsrapport.")
    if format not in ReportFormat.values:
        raise ReportError(MSG_FORMAT)
    form = filter_form(actor, params)
    if not form.is_valid():
        raise ReportError(MSG_FILTERS)
    mine = ReportJob.objects.filter(
        municipality_id=actor.municipality_id, created_by=actor.membership
    )
    mine.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    unfinished = list(mine.filter(status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]))
    if sum(not j.is_lost for j in unfinished) >= MAX_RUNNING:
        raise ReportError(MSG_BUSY)
    job = ReportJob.objects.create(
        municipality_id=actor.municipality_id,
        created_by=actor.membership,
        format=format,
        filters={k: str(v) for k, v in form.data.items()},
        steps=len(STEPS[ReportFormat(format)]),
        step_label="Venter på at gå i gang",
    )
    # In the same transaction as the job: both are saved, or neither.
    from spor.evaluation.web.tasks import make_report

    make_report.enqueue(job_id=job.pk, municipality_id=job.municipality_id)
    return job


@contextmanager
def _tenant(municipality_id: int) -> Iterator[None]:
    """One transaction in the job's municipality (on PostgreSQL, also for row-level
    security; in a request the middleware has already set the same value)."""
    with rls.tenant(municipality_id):
        yield


def _progress(job: ReportJob, step: int, detail: str = "", **fields: Any) -> None:
    """Save how far the job has come, committed at once so the status page sees it."""
    job.step = step
    label = STEPS[ReportFormat(job.format)][step] if step < job.steps else ""
    job.step_label = f"{label} ({detail})" if detail else label
    for k, v in fields.items():
        setattr(job, k, v)
    with _tenant(job.municipality_id):
        ReportJob.objects.filter(pk=job.pk, municipality_id=job.municipality_id).update(
            step=job.step, step_label=job.step_label, **fields
        )


def report_job_run(*, job_id: int, municipality_id: int) -> None:
    """Make the report of a queued job (the worker's task). Errors mark the job failed; they
    are logged without the figures (which are aggregates anyway). A job already taken (or
    deleted) is left alone, so a task run twice makes the report once."""
    with _tenant(municipality_id):
        taken = ReportJob.objects.filter(
            pk=job_id, municipality_id=municipality_id, status=ReportStatus.QUEUED
        ).update(status=ReportStatus.RUNNING)
        if not taken:
            return
        job = ReportJob.objects.select_related("created_by__user", "created_by__municipality").get(
            pk=job_id, municipality_id=municipality_id
        )
    try:
        _make(job)
    except ReportError as e:
        _fail(job, str(e))
    except Exception:
        logger.exception("Evalueringsrapport %s kunne ikke laves", job.pk)
        _fail(job, MSG_FAILED)


def _fail(job: ReportJob, message: str) -> None:
    with _tenant(job.municipality_id):
        ReportJob.objects.filter(pk=job.pk, municipality_id=job.municipality_id).update(
            status=ReportStatus.FAILED, message=message, finished_at=timezone.now()
        )


def _make(job: ReportJob) -> None:
    member: Membership = job.created_by
    actor = Actor(user=member.user, membership=member)
    _progress(job, 0)
    with _tenant(job.municipality_id):
        form = filter_form(actor, job.filters)
        if not form.is_valid():
            # The intervention was deleted since the report was ordered, or the job's
            # filters are no longer allowed together: say which.
            raise ReportError(_form_message(form))
        filters = form.filters()
        everything = lattice.read(actor, filters.informant)
    _progress(job, 1)
    fig = everything.view_figures(filters)
    rep = reports.report(member.municipality.name, fig, timezone.localdate())
    if job.format == ReportFormat.PDF:
        _progress(job, 2)
        data, pages = reports.pdf(
            rep,
            on_page=lambda n: _progress(job, 2, f"side {n}"),
            laid_out=lambda n: _progress(job, 3, f"{n} sider", pages=n),
        )
        name = reports.filename(rep, "pdf")
    else:
        _progress(job, 2)
        data, pages, name = reports.xlsx(rep), None, reports.filename(rep, "xlsx")
    with _tenant(job.municipality_id):
        ReportJob.objects.filter(pk=job.pk, municipality_id=job.municipality_id).update(
            status=ReportStatus.DONE,
            step=job.steps,
            step_label="",
            pages=pages,
            result=data,
            filename=name,
            finished_at=timezone.now(),
        )


def _form_message(form: FilterForm) -> str:
    """What is wrong with a job's saved filters, in the form's Danish (a job's status page
    has no form whose fields could be marked)."""
    found = [str(e) for errors in form.errors.values() for e in errors]
    text = " ".join(dict.fromkeys(found))
    return f"{text} Bestil rapporten igen fra evalueringssiden." if text else MSG_FILTERS


def lost_message(job: ReportJob) -> str:
    return MSG_LOST if job.is_lost else job.message


# ----------------------------------------------- the programme's cells, kept per municipality


def outcome_cells_mark_stale(*, municipality_id: int, now: dt.datetime | None = None) -> None:
    """Something the municipality's stored cells are built from has changed: until they are
    built again (:func:`outcome_cells_refresh`) the figures compute the municipality from its
    responses. In the writer's transaction; one statement that creates or locks the
    municipality's row, so that a build running at the same time either waits for this write
    or is followed by this mark."""
    OutcomeCellsState.objects.bulk_create(
        [OutcomeCellsState(municipality_id=municipality_id, stale_since=now or timezone.now())],
        update_conflicts=True,
        unique_fields=["municipality"],
        update_fields=["stale_since"],
    )


@transaction.atomic
def outcome_cells_refresh(*, municipality_id: int) -> int:
    """Build the municipality's stored cells (:class:`OutcomeCell`) again from its responses,
    for every informant, with each informant's cells packed as one value
    (:class:`OutcomeCellsPacked`), and mark them fresh; the number of cells. The
    municipality's state row is locked first, so a response saved meanwhile is either read
    here or marks the cells stale after (:func:`outcome_cells_mark_stale`). Run by
    ``spor_outcome_cells``."""
    now = timezone.now()
    outcome_cells_mark_stale(municipality_id=municipality_id, now=now)
    OutcomeCellsState.objects.select_for_update().get(municipality_id=municipality_id)
    rows = []
    packed = []
    build = uuid.uuid4()
    for informant in Informant.values:
        mine = []
        for c in selectors.grouped_cells([municipality_id], informant):
            row = OutcomeCell(
                municipality_id=municipality_id, informant=informant, form=c.form,
                norm_before=c.norm_before, norm_after=c.norm_after, before=c.before,
                after=c.after, band_before=c.band_before, band_after=c.band_after,
                # by_origin: every delivery has its intervention (not null).
                intervention_id=cast("int", c.intervention_id), kind=c.kind, level=c.level,
                age=c.age, half=c.half, n=c.n,
            )  # fmt: skip
            for column, value in zip(
                SUBSCALE_COLUMNS, (v for s in c.subscales for v in s), strict=True
            ):
                setattr(row, column, value)
            mine.append(row)
        rows += mine
        # The same cells once more as one value (an informant without cells too: the read
        # then knows there are none without asking the rows), with this build's identity.
        packed.append(
            OutcomeCellsPacked(
                municipality_id=municipality_id, informant=informant, build=build,
                cells=len(mine), data=selectors.pack_cells(municipality_id, mine),
            )
        )  # fmt: skip
    OutcomeCell.objects.filter(municipality_id=municipality_id).delete()
    OutcomeCell.objects.bulk_create(rows, batch_size=1000)
    OutcomeCellsPacked.objects.filter(municipality_id=municipality_id).delete()
    OutcomeCellsPacked.objects.bulk_create(packed)
    # A new identity with the cells and their packed values, in their transaction: the build
    # is what the programme's kept results are keyed by while the municipality stays fresh,
    # and what a packed value is read under (selectors._packed_arrays).
    OutcomeCellsState.objects.filter(municipality_id=municipality_id).update(
        refreshed_at=now, stale_since=None, build=build
    )
    return len(rows)


def outcome_cells_stale(municipality_ids: list[int]) -> list[int]:
    """Those of these municipalities whose stored cells are stale, or were never built and
    that have responses."""
    states = OutcomeCellsState.objects.filter(
        municipality_id__in=municipality_ids, refreshed_at__isnull=False
    ).values_list("municipality_id", "stale_since")
    built = {m: stale is None for m, stale in states}
    fresh = {m for m, is_fresh in built.items() if is_fresh}
    return [
        m
        for m in municipality_ids
        if m not in fresh and (m in built or Response.objects.filter(municipality_id=m).exists())
    ]


def _changed(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """``post_save``: a saved response, or a changed delivery, case, child or intervention
    (what the cells are built from: the intervention and its type and level, the case's
    child, the child's birth date) marks its municipality's cells stale. A new delivery, case,
    child or intervention has no responses yet; a save of other fields only is no change."""
    if sender is not Response:
        if created:
            return
        fields = kwargs.get("update_fields")
        if fields is not None and not set(fields) & _WATCHED[sender]:
            return
    outcome_cells_mark_stale(municipality_id=instance.municipality_id)


_WATCHED: dict[Any, set[str]] = {
    Delivery: {"intervention", "intervention_id", "case", "case_id"},
    Case: {"child", "child_id"},
    Child: {"birth_date"},
    Intervention: {"kind", "level"},
}


def _deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """``post_delete`` of an intervention: its stored cells go with it (the foreign key
    cascades), so the municipality's stored cells are no longer exactly its last build's
    (what the programme's kept results are keyed by): the municipality is stale, and its
    stored cells get a new identity, so that a reader that read the old one before this
    and the cells after sees the change (``selectors.builds_cells``). Only a row that exists
    is marked: a municipality never built has no stored cells, and one being deleted (the
    demo's reset) must not get a new row."""
    OutcomeCellsState.objects.filter(municipality_id=instance.municipality_id).update(
        stale_since=Coalesce("stale_since", Value(timezone.now())), build=uuid.uuid4()
    )


def connect_outcome_cells() -> None:
    """Connect :func:`_changed` (from the app's ``ready``). Bulk writes send no signal (the
    demo, the benchmarks, an update over a queryset); the archive marks what it deletes
    itself, and the job builds every municipality again each night."""
    for model in (Response, *_WATCHED):
        post_save.connect(_changed, sender=model, dispatch_uid=f"outcome_cells_{model.__name__}")
    post_delete.connect(_deleted, sender=Intervention, dispatch_uid="outcome_cells_deleted")
