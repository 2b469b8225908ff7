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
from spor.accounts.access import Actor
from spor.accounts.models import Membership, User
from spor.registry import importing
from spor.registry.services import children_import
from spor.tenancy import rls
from spor.tenancy.models import Municipality


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
        # The database shows this municipality only (row-level security; docs/tenancy.md).
        found = Municipality.objects.filter(code=options["municipality"]).values_list(
            "pk", flat=True
        )
        with rls.job(found.first()):
            self._handle(*args, **options)

    def _handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["municipality"], options["user"])
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

    def _actor(self, code: str, username: str) -> Actor:
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"Ingen aktiv bruger med brugernavnet {username!r}.") from None
        membership = (
            Membership.objects.filter(user=user, municipality__code=code, active=True)
            .select_related("municipality")
            .first()
        )
        if membership is None:
            raise CommandError(f"{username!r} har ingen aktiv rolle i kommune {code!r}.")
        actor = Actor(user=user, membership=membership)
        if not actor.is_lead:
            raise CommandError(
                f"{username!r} er {membership.get_role_display()} i {membership.municipality}; "
                "kun PPR-lederen kan importere."
            )
        return actor
