"""The evaluation's background tasks (django-tasks; run by ``manage.py spor_worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def make_report(*, job_id: int, municipality_id: int) -> None:
    """Make an ordered report (:func:`spor.evaluation.web.services.report_job_run`)."""
    from spor.evaluation.web.services import report_job_run

    report_job_run(job_id=job_id, municipality_id=municipality_id)
