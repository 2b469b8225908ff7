"""Evaluation reports in the personas' world: Aby's lead has a finished PDF report, so the
URL walk checks its status and download routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from spor.accounts.models import Membership
from spor.evaluation.web.models import ReportFormat, ReportJob, ReportStatus

if TYPE_CHECKING:
    from tests.conftest import World


def extend(w: World) -> None:
    lead = Membership.objects.get(user=w.lead_a, municipality=w.a)
    job = ReportJob.objects.create(
        municipality=w.a,
        created_by=lead,
        format=ReportFormat.PDF,
        filters={},
        status=ReportStatus.DONE,
        step=4,
        steps=4,
        pages=1,
        filename="evaluering-aby-kommune.pdf",
        result=b"%PDF-1.7 (the world's stand-in)",
        finished_at=timezone.now(),
    )
    w.extra.update(report_job=job)
