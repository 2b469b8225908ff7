"""``manage.py spor_orgsync FILE --municipality CODE [--dry-run]``

Imports organisation units, persons and engagements from the organisation system's export
(JSON or CSV) into the municipality, as the import page does after confirmation. With
``--dry-run`` it prints what would be created, updated and ended, and saves nothing. Any
error: every problem is printed, nothing is saved, exit code 1.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spor import cpr
from spor.orgsync import parsing
from spor.orgsync.services import sync
from spor.tenancy.commands import municipality_job
from spor.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Importér organisation og medarbejdere fra organisationssystemets udtræk (JSON/CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON- eller CSV-filen")
        parser.add_argument("--municipality", required=True, help="kommunenummeret, fx 101")
        parser.add_argument(
            "--dry-run", action="store_true", help="vis hvad der ville ske, og gem intet"
        )
        parser.add_argument("--date", help="dagen engagementerne regnes fra (ÅÅÅÅ-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        with municipality_job(options["municipality"]):
            self._handle(*args, **options)

    def _handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"Ingen kommune med nummeret {options['municipality']!r}.")
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("Ugyldig dato – brug ÅÅÅÅ-MM-DD.") from None
        path = Path(options["file"])
        shown = cpr.redact(str(path))
        try:
            data = path.read_bytes()
        except OSError:
            raise CommandError(f"Filen findes ikke eller kan ikke læses: {shown}") from None
        org = parsing.parse_file(path.name, data)
        for warning in org.warnings:
            self.stderr.write(f"Bemærk: {warning}")
        if org.errors:
            for error in org.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(org.errors)} fejl i {shown}. Intet er gemt.", returncode=1)
        result = sync(
            municipality_id=municipality.pk, org=org, today=today, dry_run=options["dry_run"]
        )
        for warning in result.warnings:
            self.stderr.write(f"Bemærk: {warning}")
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(result.errors)} fejl. Intet er gemt.", returncode=1)
        head = "Prøvekørsel – intet er gemt" if options["dry_run"] else "Importeret"
        self.stdout.write(f"{head}: {shown} ({org.format}) i {municipality.name}.")
        for label, changes in result.by_action():
            for change in changes:
                self.stdout.write(f"{label}: {change.what}: {change.text}")
        for line in result.lines():
            self.stdout.write(line)
