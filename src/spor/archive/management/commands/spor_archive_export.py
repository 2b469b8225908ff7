"""``manage.py spor_archive_export --municipality CODE --from DATE --to DATE --output FILE
[--with-cpr] [--hold REFERENCE]``

Writes the archive export (docs/archive.md) of the municipality's cases closed in the period
to FILE. CPR numbers are in the file only with ``--with-cpr``; they are never printed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spor.archive.export import archive_export
from spor.tenancy.commands import municipality_job
from spor.tenancy.models import Municipality


def _day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Skriv {option} som ÅÅÅÅ-MM-DD, fx 2026-12-31.") from None


class Command(BaseCommand):
    help = "Dan en arkiveksport (zip med CSV, JSON og skema) af afsluttede forløb."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="kommunenummeret, fx 101")
        parser.add_argument("--from", dest="closed_from", required=True, help="afsluttet fra")
        parser.add_argument("--to", dest="closed_to", required=True, help="afsluttet til og med")
        parser.add_argument("--output", required=True, help="zip-filen, der skrives")
        parser.add_argument(
            "--with-cpr", action="store_true", help="medtag børnenes CPR-numre (kun til arkivet)"
        )
        parser.add_argument("--hold", default="", help="hold forløbene til denne arkivaflevering")

    def handle(self, *args: Any, **options: Any) -> None:
        with municipality_job(options["municipality"]):
            self._handle(*args, **options)

    def _handle(self, *args: Any, **options: Any) -> None:
        muni = Municipality.objects.filter(code=options["municipality"]).first()
        if muni is None:
            raise CommandError(f"Ingen kommune med nummer {options['municipality']!r}.")
        start = _day(options["closed_from"], "--from")
        end = _day(options["closed_to"], "--to")
        if end < start:
            raise CommandError("--to kan ikke ligge før --from.")
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"Mappen findes ikke: {output.parent}")
        result = archive_export(
            municipality=muni,
            closed_from=start,
            closed_to=end,
            with_cpr=options["with_cpr"],
            hold_reference=options["hold"],
        )
        output.write_bytes(result.content)
        self.stdout.write(
            f"{result.case_count} forløb om {result.child_count} børn skrevet til {output} "
            f"({'med' if options['with_cpr'] else 'uden'} CPR-numre). SHA-256 {result.sha256}"
        )
