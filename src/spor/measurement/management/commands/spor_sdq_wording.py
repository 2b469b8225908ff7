"""``spor manage spor_sdq_wording FILE --form parent-4-17 --municipality 901 --user LEAD
--licence "…"``: load the municipality's licensed SDQ wording of one form from the file it
holds (JSON or CSV), checked against the form's instrument definition. ``--remove`` takes
it away again (back to Spor's short labels)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from spor.accounts.commands import command_lead
from spor.measurement import questionnaire, services
from spor.tenancy.commands import municipality_job


class Command(BaseCommand):
    help = "Indlæs kommunens licenserede SDQ-ordlyd for ét skema fra kommunens egen fil."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="JSON- eller CSV-filen med ordlyden")
        parser.add_argument("--form", required=True, choices=services.wording_forms())
        parser.add_argument("--municipality", required=True, help="kommunenummeret, fx 101")
        parser.add_argument("--user", required=True, help="brugernavnet på PPR-lederen")
        parser.add_argument("--licence", default="", help="kommunens licens fra youthinmind")
        parser.add_argument("--remove", action="store_true", help="fjern ordlyden igen")

    def handle(self, *args: Any, **options: Any) -> None:
        # The database shows this municipality only (row-level security; docs/tenancy.md).
        with municipality_job(options["municipality"]):
            self._handle(**options)

    def _handle(self, **options: Any) -> None:
        actor = command_lead(
            options["municipality"], options["user"], may_only="kan indlæse kommunens SDQ-ordlyd."
        )
        label = questionnaire.form_label(options["form"])
        if options["remove"]:
            n = services.wording_remove(actor=actor, form=options["form"])
            self.stdout.write(
                f"Ordlyden til {label} er fjernet." if n else f"{label}: ingen ordlyd."
            )
            return
        if not options["file"]:
            raise CommandError("Angiv filen med ordlyden (eller --remove).")
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError:
            raise CommandError(f"Filen findes ikke eller kan ikke læses: {path}") from None
        try:
            saved = services.wording_load(
                actor=actor,
                form=options["form"],
                filename=path.name,
                content=content,
                licence_note=options["licence"],
            )
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                for message in messages:
                    self.stderr.write(message)
            raise CommandError("Intet er gemt.", returncode=1) from None
        self.stdout.write(f"Ordlyden til {label} er indlæst: {len(saved.texts)} tekster.")
