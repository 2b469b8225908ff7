"""``manage.py spor_notify_due [--date YYYY-MM-DD]``

Run daily: makes one notification per overdue follow-up (open concerns, active goals of
open cases) to the person responsible. Safe to run several times a day. Each part of the
loop finds its own overdue items (``concerns_notify_overdue``, ``goals_notify_overdue``)
and makes its notifications through ``spor.notifications``; the command, which spans
them, lives with the screens at the top of the layers (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from spor.cases.services import goals_notify_overdue
from spor.concerns.services import concerns_notify_overdue
from spor.tenancy import rls


class Command(BaseCommand):
    help = "Opret notifikationer om overskredne opfølgninger (køres dagligt)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="dagen at regne fra (ÅÅÅÅ-MM-DD); standard: i dag")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("Ugyldig dato – brug ÅÅÅÅ-MM-DD.") from None
        concerns = goals = already = 0
        for municipality in rls.each_municipality():
            with rls.job(municipality):
                made, before = concerns_notify_overdue(today=today)
                concerns, already = concerns + made, already + before
                made, before = goals_notify_overdue(today=today)
                goals, already = goals + made, already + before
        self.stdout.write(
            f"Nye notifikationer: {concerns + goals} "
            f"({concerns} bekymringer, {goals} mål); "
            f"allerede givet: {already}."
        )
