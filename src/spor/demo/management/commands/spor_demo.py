"""``manage.py spor_demo``: a synthetic demo municipality (or a whole country of them)."""

from __future__ import annotations

import random
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from spor.demo import cases, concerns, economics, measurement, programme, screening, survey
from spor.demo import registry as demo
from spor.registry.models import Child
from spor.tenancy import rls

# The partnership's other municipalities' sizes with --partners.
PARTNER_MIN, PARTNER_MAX = 150, 1500

# Parts of the loop that add their demo data, in the order the loop runs.
LOOP_DEMOS = [screening, concerns, cases, measurement, programme, survey, economics]


class Command(BaseCommand):
    # Synthetic data for many municipalities at once: written as the database's owner,
    # with its system switch (docs/tenancy.md), like a migration.
    requires_owner = True
    help = (
        "Opretter en syntetisk demokommune, Sporby Kommune (kode 999), med dagtilbud, skoler, "
        "grupper for det aktuelle skoleår, børn med syntetiske CPR-numre, indskrivninger med "
        "overgange, medarbejdere i alle roller og systemadministratoren 'admin'. Alt følger "
        "af --seed. Findes demokommunen allerede, udskrives kun logins (brug --reset for at "
        "lave den forfra). Alle demobrugere har adgangskoden "
        f"'{demo.DEMO_PASSWORD}'. Kører ikke med SPOR_ENV=production."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=1, help="Frø for tilfældighederne (standard 1)."
        )
        parser.add_argument(
            "--children",
            type=int,
            default=4000,
            help=(
                "Antal børn I ALT, fordelt over alle kommuner (standard 4000). Én kommune "
                "med 60000 børn: --children 60000. Landsdækkende sæt: --municipalities 98 "
                "--children 1100000."
            ),
        )
        parser.add_argument(
            "--municipalities",
            type=int,
            default=1,
            help=(
                "Antal kommuner (standard 1). Den første er Sporby Kommune (999), de øvrige "
                "hedder 'Kommune 101', 'Kommune 102' … Børnene fordeles log-normalt (få store, "
                "mange små kommuner) og summerer til --children; mindst "
                f"{demo.MIN_CHILDREN_PER_MUNICIPALITY} pr. kommune. Hver kommune får sine egne "
                "medarbejdere (brugernavne med præfiks 'k101-' osv.)."
            ),
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=(
                "Slet demokommunernes data og brugere (Sporby Kommune, 999, og kommuner med "
                "navnet 'Kommune NNN' = deres kode) og lav dem forfra; 'admin' får "
                "demoadgangskoden igen. Adgangsloggen slettes aldrig (den er kun til "
                "tilføjelse)."
            ),
        )
        parser.add_argument(
            "--partners",
            action="store_true",
            help=(
                "Giv også partnerskabets ti andre kommuner (Kommune 101 …) børn og hele "
                "løkken (trivselsvurdering, bekymringer, forløb, SDQ-målinger), så "
                "programevaluatoren ser tal for flere kommuner. Hver får mellem "
                f"{PARTNER_MIN} og {PARTNER_MAX} børn (omkring en ottendedel af --children). "
                "Kommuner, der allerede har børn, røres ikke. Det gør 'make demo'."
            ),
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Ingen fremdriftslinje på stderr."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with rls.owner_connection(), rls.system():
            made = self._handle(*args, **options)
        if made:
            # The programme's stored evaluation cells, as the scheduled job builds them on a
            # running installation (the generator writes in bulk, which marks nothing
            # stale): without them every programme page computes every municipality from
            # its responses, which no installation does for longer than five minutes.
            call_command(
                "spor_outcome_cells", stdout=self.stdout, verbosity=options.get("verbosity", 1)
            )

    def _handle(self, *args: Any, **options: Any) -> bool:
        """Make the demo; whether anything was made."""
        if settings.PRODUCTION:
            raise CommandError("spor_demo laver syntetiske data og kører ikke i produktion.")
        seed: int = options["seed"]
        children: int = options["children"]
        municipalities: int = options["municipalities"]
        if municipalities < 1:
            raise CommandError("--municipalities skal være mindst 1.")
        if children < municipalities * demo.MIN_CHILDREN_PER_MUNICIPALITY:
            raise CommandError(
                f"--children skal være mindst {demo.MIN_CHILDREN_PER_MUNICIPALITY} gange "
                "--municipalities."
            )
        if municipalities > 899:
            raise CommandError("--municipalities kan højst være 899.")

        if not options["reset"] and demo.demo_municipality() is not None:
            self.stdout.write(
                "Demokommunen findes allerede; intet er ændret (brug --reset for at lave den "
                "forfra)."
            )
            self._report(demo.demo_counts(), demo.demo_logins(), seconds=None)
            return False

        verbosity = int(options.get("verbosity", 1))
        bar = tqdm(
            total=children,
            unit=" børn",
            file=sys.stderr,
            disable=options["no_progress"] or verbosity == 0 or None,
            dynamic_ncols=True,
        )
        try:
            with transaction.atomic():
                if options["reset"]:
                    try:
                        cleared = demo.reset_demo()
                    except demo.ResetError as exc:
                        raise CommandError(str(exc)) from exc
                    if cleared:
                        self.stdout.write(f"Slettede demodata i {cleared} kommune(r).")
                result = demo.generate(
                    seed=seed,
                    children=children,
                    municipalities=municipalities,
                    today=timezone.localdate(),
                    progress=bar.update,
                    on_municipality=lambda spec: bar.set_description(spec.name),
                    reset_admin_password=options["reset"],
                )
                self._generate_loop(seed, partners=options["partners"], children=children)
            # The planner's statistics for the new rows, so that lists start from the
            # person's own rows from the first request (PostgreSQL's autovacuum would get
            # there later; SQLite never by itself).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        finally:
            bar.close()
        self._report(
            demo.demo_counts(),
            demo.demo_logins(admin_has_demo_password=result.admin_has_demo_password),
            seconds=result.seconds,
        )
        return True

    def _generate_loop(self, seed: int, *, partners: bool, children: int) -> None:
        """The rest of the loop (screening rounds, concerns, cases …) for the demo
        municipality, so that a new user sees every part working. Each part of the loop
        has a ``demo.generate(municipality, *, rng, today)``; the other municipalities of a
        national set get the registry only, which is what the benchmarks need.

        With ``partners``, the partnership's other municipalities that have no children
        get a registry and the loop too (before the partnership is written, so their
        initiatives use their own catalogues); the partnership itself is written once,
        from the demo municipality."""
        muni = demo.demo_municipality()
        if muni is None:
            return
        today = timezone.localdate()
        filled = []
        if partners:
            rng = random.Random(f"{seed}-partners")
            for partner in programme.partner_municipalities(muni):
                if Child.objects.filter(municipality=partner).exists():
                    continue
                size = round(children / 8 * rng.uniform(0.6, 1.4))
                demo.fill_municipality(
                    partner,
                    children=min(PARTNER_MAX, max(PARTNER_MIN, size)),
                    seed=seed,
                    today=today,
                )
                filled.append(partner)
        for module in LOOP_DEMOS:
            every = [muni] if module is programme else [muni, *filled]
            # The seed names the loop part as it did before the generators moved here
            # (spor.<part>.demo), so that a seed gives the same data as it always has.
            part = module.__name__.rsplit(".", 1)[-1]
            for m in every:
                rng = random.Random(f"{seed}-spor.{part}.demo-{m.code}")
                module.generate(m, rng=rng, today=today)

    def _report(
        self, counts: dict[str, int], logins: list[demo.Login], *, seconds: float | None
    ) -> None:
        out = self.stdout
        if seconds is not None:
            out.write(f"Demodata lavet på {seconds:.1f} s.")
        out.write(", ".join(f"{n:,} {what}".replace(",", ".") for what, n in counts.items()))
        rows = [("Rolle", "Brugernavn", "Adgangskode", "")] + [
            (x.role, x.username, x.password, x.note) for x in logins
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        out.write("")
        for n, row in enumerate(rows):
            cells = [cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)]
            out.write("  ".join([*cells, row[3]]).rstrip())
            if n == 0:
                out.write("  ".join("-" * w for w in widths))
        out.write("")
        out.write(f"Åbn {demo.DEMO_URL} og log ind.")
