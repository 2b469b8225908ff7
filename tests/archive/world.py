"""The archive in the personas' world: a retention rule in Aby and an archive hold on
Oliver's case (tests/cases/world.py), so the URL walk finds one of each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spor.accounts.models import Membership
from spor.archive.models import ArchiveHold, Disposal, RecordType, RetentionRule

if TYPE_CHECKING:
    from tests.conftest import World


def extend(w: World) -> None:
    lead = Membership.objects.get(user=w.lead_a, municipality=w.a)
    rule = RetentionRule.objects.create(
        municipality=w.a,
        record_type=RecordType.CONCERN,
        months=24,
        disposal=Disposal.DELETE,
        updated_by=lead,
    )
    w.extra["retention_rule"] = rule
    case = w.extra.get("case")
    if case is not None:
        w.extra["archive_hold"] = ArchiveHold.objects.create(
            municipality=w.a, case=case, reference="Aflevering 2027", created_by=lead
        )
