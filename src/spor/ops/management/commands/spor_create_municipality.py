"""``manage.py spor_create_municipality``: a new municipality and its first PPR-leder."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from spor.accounts.models import Membership, Role, User
from spor.tenancy import rls
from spor.tenancy.models import Municipality

PASSWORD_ENV = "SPOR_INITIAL_PASSWORD"  # noqa: S105 (the variable's name, not a password)


class Command(BaseCommand):
    help = (
        "Opretter en kommune (kommunenummer og navn) og, med --lead, dens første PPR-leder, "
        "som derefter kan oprette resten i Spor eller Django-admin. Lederens adgangskode "
        f"læses fra miljøvariablen {PASSWORD_ENV} eller spørges om i terminalen. Ved første "
        "login opsætter lederen sin engangskode (TOTP)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="Kommunenummer, tre cifre (fx 101).")
        parser.add_argument("name", help="Kommunens navn (fx 'København Kommune').")
        parser.add_argument("--lead", help="Brugernavn til kommunens første PPR-leder.")
        parser.add_argument("--email", default="", help="Lederens e-mailadresse.")
        parser.add_argument("--first-name", default="", help="Lederens fornavn.")
        parser.add_argument("--last-name", default="", help="Lederens efternavn.")

    def handle(self, *args: Any, **options: Any) -> None:
        code, name = options["code"].strip(), options["name"].strip()
        if not (len(code) == 3 and code.isascii() and code.isdigit()):
            raise CommandError("Kommunenummeret skal være tre cifre, fx 101.")
        if not name:
            raise CommandError("Kommunen skal have et navn.")
        if Municipality.objects.filter(code=code).exists():
            raise CommandError(f"Der findes allerede en kommune med nummer {code}.")
        if Municipality.objects.filter(name=name).exists():
            raise CommandError(f"Der findes allerede en kommune, der hedder {name}.")
        lead = options["lead"]
        password = ""
        if lead:
            if User.objects.filter(username=lead).exists():
                raise CommandError(f"Brugernavnet {lead} er optaget.")
            password = os.environ.get(PASSWORD_ENV) or self._ask_password()
            candidate = User(
                username=lead,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
            try:
                validate_password(password, candidate)
            except ValidationError as exc:
                raise CommandError("Adgangskoden duer ikke: " + " ".join(exc.messages)) from exc
        with transaction.atomic():
            muni = Municipality.objects.create(code=code, name=name)
            self.stdout.write(f"Kommunen {name} ({code}) er oprettet.")
            if lead:
                candidate.set_password(password)
                candidate.save()
                with rls.tenant(muni.pk):  # memberships are under row-level security
                    Membership.objects.create(municipality=muni, user=candidate, role=Role.LEAD)
                self.stdout.write(
                    f"PPR-lederen {lead} er oprettet; ved første login opsættes engangskoden."
                )

    def _ask_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError(f"Angiv lederens adgangskode i miljøvariablen {PASSWORD_ENV}.")
        first = getpass.getpass("Adgangskode til PPR-lederen: ")
        if first != getpass.getpass("Gentag adgangskoden: "):
            raise CommandError("De to adgangskoder er ikke ens.")
        return first
