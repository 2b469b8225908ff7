"""``manage.py spor_outcome_cells [--all]``

The scheduled job that builds the programme's stored evaluation cells
(:class:`spor.evaluation.web.models.OutcomeCell`) again, one municipality at a time, each in
its own transaction and seen as that municipality only (row-level security): every few
minutes the municipalities whose cells are stale or were never built, and each night
(``--all``) every one, for what changes without a signal (bulk writes: an import, a fix in
the database). Until a municipality is built again its figures are computed from its
responses, so the job makes the figures fast, not right.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spor.evaluation.web.services import outcome_cells_refresh, outcome_cells_stale
from spor.tenancy import rls
from spor.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Byg evalueringens celler pr. kommune igen (de forældede, eller alle med --all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="alle kommuner, ikke kun de forældede"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        built = cells = 0
        for municipality in Municipality.objects.order_by("pk").values_list("pk", flat=True):
            with rls.job(municipality):
                if not options["all"] and not outcome_cells_stale([municipality]):
                    continue
                cells += outcome_cells_refresh(municipality_id=municipality)
                built += 1
        self.stdout.write(
            f"Evalueringens celler bygget for {built} kommuner: {cells} celler "
            f"på {time.perf_counter() - start:.1f} s."
        )
