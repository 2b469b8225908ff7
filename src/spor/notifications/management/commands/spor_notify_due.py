"""``manage.py spor_notify_due [--date YYYY-MM-DD]``

Run daily: makes one notification per overdue follow-up (open concerns, active goals of
open cases) to the person responsible. Safe to run several times a day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spor.notifications.services import DueResult, notify_due
from spor.tenancy import rls


class Command(BaseCommand):
    help = "Opret notifikationer om overskredne opfølgninger (køres dagligt)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="dagen at regne fra (ÅÅÅÅ-MM-DD); standard: i dag")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("Ugyldig dato – brug ÅÅÅÅ-MM-DD.") from None
        result = DueResult()
        for municipality in rls.each_municipality():
            with rls.job(municipality):
                one = notify_due(today=today)
            result.concerns += one.concerns
            result.goals += one.goals
            result.already += one.already
        self.stdout.write(
            f"Nye notifikationer: {result.created} "
            f"({result.concerns} bekymringer, {result.goals} mål); "
            f"allerede givet: {result.already}."
        )
