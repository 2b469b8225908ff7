"""Remind informants who have not answered: once, with a fresh link (the old one stops
working), for open links sent more than ``--days`` days ago. Run it daily (cron/systemd)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spor.measurement.services import send_reminders
from spor.tenancy import rls


class Command(BaseCommand):
    help = "Send én påmindelse om ubesvarede SDQ-skemaer (nyt link pr. e-mail)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=7,
            help="påmind links sendt for mindst så mange dage siden (standard 7)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 0:
            self.stderr.write("--days skal være 0 eller mere.")
            raise SystemExit(2)
        count = 0
        for municipality in rls.each_municipality():
            with rls.job(municipality):
                count += send_reminders(older_than_days=options["days"])
        self.stdout.write(f"{count} påmindelse(r) sendt.")
