"""The organisation import in the personas' world: one upload by Aby's PPR-leder waiting
for confirmation, so the URL walk finds an OrgImport in Aby."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spor.accounts.models import Membership
from spor.orgsync.models import OrgImport
from spor.orgsync.parsing import parse_file
from tests.orgsync.helpers import SAMPLE_JSON

if TYPE_CHECKING:
    from tests.conftest import World


def extend(w: World) -> None:
    org = parse_file("eksempel.json", SAMPLE_JSON.read_bytes())
    w.extra["orgimport"] = OrgImport.objects.create(
        municipality=w.a,
        file_name="eksempel.json",
        file_format=org.format,
        data=org.to_data(),
        created_by=Membership.objects.get(user=w.lead_a, municipality=w.a),
    )
