"""Re-encrypt every stored CPR number with the newest key in ``SPOR_CPR_KEYS``.

Rotation: put a new key first in ``SPOR_CPR_KEYS`` (keep the old ones after it), run this
command, then remove the old keys. The keyed look-up hash does not change.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from spor.registry import cpr_vault
from spor.registry.models import Child
from spor.tenancy import rls


class Command(BaseCommand):
    help = "Krypterer alle CPR-numre igen med den nyeste nøgle i SPOR_CPR_KEYS."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        done = 0
        for municipality in rls.each_municipality():
            with rls.job(municipality):
                done += self._rotate(batch_size)
        self.stdout.write(f"{done} CPR-numre krypteret med den nyeste nøgle.")

    def _rotate(self, batch_size: int) -> int:
        """The children the connection sees (one municipality on PostgreSQL)."""
        done = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                batch = list(
                    Child.objects.filter(pk__gt=last_pk)
                    .order_by("pk")
                    .only("pk", "cpr_encrypted")[:batch_size]
                )
                if not batch:
                    break
                for child in batch:
                    child.cpr_encrypted = cpr_vault.rotate(child.cpr_encrypted)
                Child.objects.bulk_update(batch, ["cpr_encrypted"])
            done += len(batch)
            last_pk = batch[-1].pk
        return done
