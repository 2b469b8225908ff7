"""The scheduled job: e-mail each responsible person their concerns to follow up."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from spor.concerns.reminders import ReminderResult, send_reminders
from spor.tenancy import rls

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Sender hver ansvarlig én e-mail om dagen med de bekymringer, hvis opfølgningsdato er "
        "overskredet, er i dag eller er i morgen (fornavn og forbogstav, ingen CPR-numre). "
        "Kan køres flere gange om dagen uden at sende to gange. Kør den fra cron, fx hver "
        "morgen kl. 6.15: "
        "'15 6 * * * cd /srv/spor && .venv/bin/spor manage spor_concern_reminders'. "
        "Links peger på SPOR_BASE_URL (eller --base-url)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Vis hvem der ville få en e-mail, uden at sende eller registrere noget.",
        )
        parser.add_argument(
            "--date",
            help="Kør som om det var denne dato (ÅÅÅÅ-MM-DD); standard er i dag.",
        )
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "SPOR_BASE_URL", "")
            or os.environ.get("SPOR_BASE_URL", DEFAULT_BASE_URL),
            help="Spors adresse i links i e-mailen (standard: SPOR_BASE_URL eller %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date skal skrives ÅÅÅÅ-MM-DD, fx 2026-11-23.") from None
        result = ReminderResult()
        for municipality in rls.each_municipality():
            with rls.job(municipality):
                one = send_reminders(
                    today=today, base_url=options["base_url"], dry_run=options["dry_run"]
                )
            for name in ("sent", "concerns", "already_sent"):
                setattr(result, name, getattr(result, name) + getattr(one, name))
            for name in ("no_email", "failed", "lines"):
                getattr(result, name).extend(getattr(one, name))
        for line in result.lines:
            self.stdout.write(f"  {line}")
        for who in result.no_email:
            self.stdout.write(self.style.WARNING(f"  {who}: ingen e-mailadresse, ikke sendt"))
        for problem in result.failed:
            self.stdout.write(self.style.ERROR(f"  {problem}: kunne ikke sendes"))
        verb = "ville blive sendt (prøvekørsel)" if options["dry_run"] else "sendt"
        self.stdout.write(
            f"Påmindelser {today:%d.%m.%Y}: {result.sent} {verb} om {result.concerns} "
            f"bekymringer; {result.already_sent} allerede sendt i dag; "
            f"{len(result.no_email)} uden e-mailadresse; {len(result.failed)} fejlede."
        )
        if result.failed:
            raise CommandError("Nogle påmindelser kunne ikke sendes; de prøves igen næste gang.")
