"""Scoped reads of the evaluation reports: a report belongs to the lead who ordered it."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from spor.accounts.access import Actor
from spor.evaluation.web.models import ReportJob


def report_jobs_for(actor: Actor) -> QuerySet[ReportJob]:
    """The actor's own reports; another lead's, even in the same municipality, are not."""
    return ReportJob.objects.filter(
        municipality_id=actor.municipality_id, created_by_id=actor.membership.pk
    )


def report_job_for(actor: Actor, reportjob_id: int) -> ReportJob:
    """One of the actor's reports, or 404 (missing, another lead's, another municipality's)."""
    return get_object_or_404(report_jobs_for(actor), pk=reportjob_id)
