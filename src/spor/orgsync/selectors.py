"""Reads for the organisation import: only the PPR-leder, only their municipality."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from spor.accounts.access import Actor
from spor.orgsync import mapping
from spor.orgsync.models import JobFunctionMapping, OrgImport
from spor.orgsync.parsing import fold


def _lead(actor: Actor) -> None:
    if not actor.is_lead:
        raise Http404


def recent_imports(actor: Actor, limit: int = 10) -> QuerySet[OrgImport]:
    _lead(actor)
    return OrgImport.objects.filter(municipality_id=actor.municipality_id).select_related(
        "created_by__user"
    )[:limit]


def get_orgimport_for_lead(actor: Actor, orgimport_id: int) -> OrgImport:
    _lead(actor)
    found = OrgImport.objects.filter(municipality_id=actor.municipality_id, pk=orgimport_id).first()
    if found is None:
        raise Http404
    return found


def job_function_table(actor: Actor) -> list[dict[str, object]]:
    """The rules in force: the municipality's own, and the defaults it has not changed."""
    _lead(actor)
    own = list(JobFunctionMapping.objects.filter(municipality_id=actor.municipality_id))
    rows: list[dict[str, object]] = [
        {"job_function": m.job_function, "role": m.role, "profession": m.profession, "own": True}
        for m in own
    ]
    own_keys = {m.key for m in own}
    for name, (role, profession) in mapping.DEFAULT_JOB_FUNCTION_NAMES.items():
        if fold(name) not in own_keys:
            rows.append(
                {
                    "job_function": name,
                    "role": role,
                    "profession": profession,
                    "own": False,
                }
            )
    return sorted(rows, key=lambda r: str(r["job_function"]).casefold())
