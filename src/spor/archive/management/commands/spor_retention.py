"""``manage.py spor_retention [--dry-run] [--municipality CODE] [--today YYYY-MM-DD]``

The scheduled retention job (cron, once a night; docs/retention.md): for every municipality
(or one), disposes of what its rules say has expired, each municipality all or nothing, and
prints and records the counts. It never prints what was disposed of, only how many.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spor.archive.models import KEPT_REASONS, RecordType
from spor.archive.services import retention_run
from spor.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Slet eller anonymisér det, kommunernes sletteregler siger er udløbet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="vis kun, hvad der ville ske; intet ændres"
        )
        parser.add_argument("--municipality", help="kun denne kommune (kommunenummer)")
        parser.add_argument(
            "--today", help="skæringsdag (ÅÅÅÅ-MM-DD); standard er i dag", default=None
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("Skriv --today som ÅÅÅÅ-MM-DD, fx 2027-01-31.") from None
        municipalities = Municipality.objects.order_by("code")
        if options["municipality"]:
            municipalities = municipalities.filter(code=options["municipality"])
            if not municipalities.exists():
                raise CommandError(f"Ingen kommune med nummer {options['municipality']!r}.")
        dry = options["dry_run"]
        total = 0
        for muni in municipalities:
            run = retention_run(municipality_id=muni.pk, today=today, dry_run=dry)
            total += run.total
            head = f"{muni.name} ({muni.code})" + (" [prøvekørsel]" if dry else "")
            self.stdout.write(f"{head}: {run.total} i alt")
            for row in run.counts:
                verb = "slettet" if row["disposal"] == "slet" else "anonymiseret"
                kle = f", KLE {row['kle_number']}" if row["kle_number"] else ""
                self.stdout.write(
                    f"  {RecordType(row['record_type']).label}: {row['count']} {verb} "
                    f"(regel {row['rule_id']}: {row['months']} mdr.{kle})"
                )
            for record_type, kept in run.kept.items():
                for why, n in kept.items():
                    self.stdout.write(
                        f"  {RecordType(record_type).label}: {n} beholdt, {KEPT_REASONS[why]}"
                    )
        verb = "ville blive slettet eller anonymiseret" if dry else "slettet eller anonymiseret"
        self.stdout.write(f"I alt {total} {verb}.")
