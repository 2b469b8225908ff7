"""API tokens from the command line, for a PPR-leder's integration set-up scripts:

    spor_api_token create --kommune 901 --leder leder_a --navn "Elevadm." --ret registry:read
    spor_api_token list --kommune 901 --leder leder_a
    spor_api_token revoke --kommune 901 --leder leder_a --navn "Elevadm."

``create`` prints the secret once; Spor keeps only its hash.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from spor.accounts.commands import command_lead
from spor.api import selectors, services
from spor.api.scopes import SCOPES
from spor.tenancy.commands import municipality_job


class Command(BaseCommand):
    help = "Opret, vis og tilbagekald API-nøgler for en kommune (som PPR-leder)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("--kommune", required=True, help="kommunenummer, fx 901")
        parser.add_argument("--leder", required=True, help="PPR-lederens brugernavn")
        parser.add_argument("--navn", default="", help="nøglens navn")
        parser.add_argument(
            "--ret",
            action="append",
            default=[],
            help="rettighed (kan gentages): " + ", ".join(SCOPES),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with municipality_job(options["kommune"]):
            self._handle(*args, **options)

    def _handle(self, *args: Any, **options: Any) -> None:
        actor = command_lead(
            options["kommune"], options["leder"], may_only="kan oprette og tilbagekalde API-nøgler."
        )
        action = options["action"]
        if action == "create":
            try:
                token, secret = services.api_token_create(
                    actor=actor, name=options["navn"], scopes=options["ret"]
                )
            except ValidationError as e:
                raise CommandError(" ".join(e.messages)) from None
            self.stdout.write(f"Nøglen »{token.name}« er oprettet ({', '.join(token.scopes)}).")
            self.stdout.write("Gem den nu; den vises ikke igen:")
            self.stdout.write(secret)
        elif action == "list":
            for t in selectors.tokens_for(actor):
                state = "tilbagekaldt" if t.revoked else "aktiv"
                used = f"{t.last_used:%d.%m.%Y %H:%M}" if t.last_used else "aldrig brugt"
                self.stdout.write(f"{t.name}\t{t.prefix}…\t{state}\t{used}\t{' '.join(t.scopes)}")
        else:
            found = selectors.tokens_for(actor).filter(name=options["navn"]).first()
            if found is None:
                raise CommandError(f"Ingen nøgle med navnet {options['navn']!r} i kommunen.")
            services.api_token_revoke(actor=actor, token=found)
            self.stdout.write(f"Nøglen »{found.name}« er tilbagekaldt.")
