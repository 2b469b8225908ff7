"""``manage.py spor_import FILE --municipality CODE --user USERNAME``

Imports children, groups and enrolments from a CSV or XLSX file, acting as the given
PPR-leder in the given municipality, exactly as the import page does: the whole file is
checked first, every problem is printed (one per line) and nothing is saved if anything is
wrong (exit code 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from spor import cpr
from spor.accounts.commands import command_lead
from spor.registry import importing
from spor.registry.services import children_import
from spor.tenancy.commands import municipality_job


class Command(BaseCommand):
    help = "Importér børn, grupper og indskrivninger fra en CSV- eller XLSX-fil."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV- eller XLSX-filen")
        parser.add_argument(
            "--municipality", required=True, help="kommunenummeret, fx 101 (København)"
        )
        parser.add_argument(
            "--user", required=True, help="brugernavnet på PPR-lederen, der importerer"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with municipality_job(options["municipality"]):
            self._handle(*args, **options)

    def _handle(self, *args: Any, **options: Any) -> None:
        actor = command_lead(options["municipality"], options["user"], may_only="kan importere.")
        path = Path(options["file"])
        shown = cpr.redact(str(path))
        try:
            size = path.stat().st_size
        except OSError:
            raise CommandError(f"Filen findes ikke eller kan ikke læses: {shown}") from None
        if size > importing.MAX_FILE_BYTES:
            parsed = importing.ParsedFile().fail(
                f"filen er for stor (højst {importing.MAX_FILE_BYTES // (1024 * 1024)} MB)"
            )
        else:
            parsed = importing.parse_file(path.name, path.read_bytes())
        for warning in parsed.warnings:
            self.stderr.write(f"Bemærk: {warning}")
        if parsed.errors:
            for error in parsed.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(parsed.errors)} fejl i {shown}. Intet er gemt.", returncode=1)
        try:
            result = children_import(actor=actor, rows=parsed.rows)
        except IntegrityError:
            raise CommandError(
                "Importen kunne ikke gemmes, fordi de samme data blev ændret samtidig. "
                "Intet er gemt – prøv igen."
            ) from None
        self.stdout.write(f"Importeret {result.rows} rækker fra {shown} ({parsed.format}).")
        for line in result.lines():
            self.stdout.write(line)
