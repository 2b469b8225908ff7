"""Scoped reads of the SDQ measurement. The case decides who sees it: the people now on the
case's team and the PPR-leder (``spor.cases.selectors``); everyone else gets 404, exactly as
for a record that does not exist. The callers write the access log."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from spor.accounts.access import Actor
from spor.accounts.models import Membership
from spor.cases import selectors as case_selectors
from spor.cases.models import Case, Delivery, Participant, Relation
from spor.measurement.models import LicensedWording, MeasurementRequest, Response


def get_delivery_for_user(actor: Actor, delivery_id: int) -> Delivery:
    return case_selectors.get_delivery_for_user(actor, delivery_id)


def get_measurementrequest_for_user(actor: Actor, measurementrequest_id: int) -> MeasurementRequest:
    return get_object_or_404(
        MeasurementRequest.objects.filter(
            municipality_id=actor.municipality_id,
            delivery__case__in=case_selectors.cases_for(actor),
        ).select_related("delivery__case__child", "delivery__intervention"),
        pk=measurementrequest_id,
    )


def requests_of(actor: Actor, deliveries: list[Delivery]) -> QuerySet[MeasurementRequest]:
    return (
        MeasurementRequest.objects.filter(
            municipality_id=actor.municipality_id, delivery__in=deliveries
        )
        .select_related("recipient_membership__user", "created_by__user")
        .order_by("created_at", "pk")
    )


def request_stubs_of(actor: Actor, deliveries: list[Delivery]) -> QuerySet[MeasurementRequest]:
    """The deliveries' requests as bare rows, for the case page's panel, which only counts
    them (the people of :func:`requests_of` cost two joins)."""
    return (
        MeasurementRequest.objects.filter(
            municipality_id=actor.municipality_id, delivery__in=deliveries
        )
        .only("pk", "delivery_id")
        .order_by()
    )


def responses_of(actor: Actor, deliveries: list[Delivery]) -> QuerySet[Response]:
    return Response.objects.filter(
        municipality_id=actor.municipality_id, delivery__in=deliveries
    ).order_by("answered_at", "pk")


def may_work_on(actor: Actor, case: Case) -> bool:
    return case_selectors.may_work_on(actor, case)


def team_with_email(actor: Actor, case: Case) -> QuerySet[Membership]:
    """The case's current team: who can be sent the PPR professional's form."""
    return case_selectors.team_memberships(actor, case)


def parent_contact(actor: Actor, case: Case) -> dict[str, str]:
    """Initial values for the parent's link: a mother or father among the case's
    participants, with the contact as e-mail address if it is one."""
    p = (
        Participant.objects.filter(
            municipality_id=actor.municipality_id,
            case=case,
            relation__in=[Relation.MOTHER, Relation.FATHER],
        )
        .order_by("pk")
        .first()
    )
    if p is None:
        return {}
    email = p.contact.strip() if "@" in p.contact else ""
    return {"name_foraelder": p.name, "email_foraelder": email}


def wordings_for(actor: Actor) -> dict[str, LicensedWording]:
    """The municipality's loaded licensed wording per form, for the PPR-leder only."""
    if not actor.is_lead:
        return {}
    return {
        w.form: w
        for w in LicensedWording.objects.filter(
            municipality_id=actor.municipality_id
        ).select_related("loaded_by__user")
    }
