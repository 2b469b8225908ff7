"""Reads of the archive app, scoped to the actor's municipality: missing and another
municipality's both answer 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from spor.accounts.access import Actor
from spor.archive.models import ArchiveExport, ArchiveHold, RetentionRule, RetentionRun


def rules_for(actor: Actor) -> QuerySet[RetentionRule]:
    return RetentionRule.objects.filter(municipality_id=actor.municipality_id)


def get_rule_for_lead(actor: Actor, rule_id: int) -> RetentionRule:
    rule = rules_for(actor).filter(pk=rule_id).first() if actor.is_lead else None
    if rule is None:
        raise Http404
    return rule


def holds_for(actor: Actor) -> QuerySet[ArchiveHold]:
    return ArchiveHold.objects.filter(municipality_id=actor.municipality_id).select_related("case")


def get_hold_for_lead(actor: Actor, hold_id: int) -> ArchiveHold:
    hold = holds_for(actor).filter(pk=hold_id).first() if actor.is_lead else None
    if hold is None:
        raise Http404
    return hold


def runs_for(actor: Actor, limit: int = 20) -> list[RetentionRun]:
    return list(RetentionRun.objects.filter(municipality_id=actor.municipality_id)[:limit])


def exports_for(actor: Actor, limit: int = 20) -> list[ArchiveExport]:
    return list(ArchiveExport.objects.filter(municipality_id=actor.municipality_id)[:limit])
