"""Scoped reads for the API that the apps' selectors do not already offer, built on them:
the tokens of a municipality, and the deliveries and SDQ results of the cases an actor sees
(``spor.cases.selectors.cases_for``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from spor.accounts.access import Actor
from spor.api.models import ApiToken
from spor.api.tokens import hash_secret
from spor.cases import selectors as case_selectors
from spor.cases.models import Case, Delivery
from spor.concerns.models import Concern
from spor.measurement.models import Response


def tokens_for(actor: Actor) -> QuerySet[ApiToken]:
    if not actor.is_lead:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(municipality_id=actor.municipality_id).select_related(
        "created_by"
    )


def get_apitoken_for_user(actor: Actor, apitoken_id: int) -> ApiToken:
    return get_object_or_404(tokens_for(actor), pk=apitoken_id)


def token_by_secret(secret: str) -> ApiToken | None:
    """The live token with this secret, in any municipality: the system context's one read,
    before anyone is acting (see :mod:`spor.api.authentication`)."""
    return (
        ApiToken.objects.filter(token_hash=hash_secret(secret), revoked=False)
        .select_related("service_membership__user", "service_membership__municipality")
        .first()
    )


def deliveries_for(actor: Actor) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(
            municipality_id=actor.municipality_id, case__in=case_selectors.cases_for(actor)
        )
        .select_related("case", "intervention")
        .prefetch_related("hours")
        .order_by("pk")
    )


def results_for(actor: Actor) -> QuerySet[Response]:
    """Saved SDQ responses on the deliveries of the cases the actor sees."""
    return (
        Response.objects.filter(
            municipality_id=actor.municipality_id,
            delivery__case__in=case_selectors.cases_for(actor),
        )
        .select_related("delivery__case")
        .order_by("pk")
    )


def get_response_for_user(actor: Actor, response_id: int) -> Response:
    return get_object_or_404(results_for(actor), pk=response_id)


def lock_concern(concern: Concern) -> Concern:
    """Re-read under a row lock, so that the If-Match check and the change see one version."""
    return (
        Concern.objects.select_for_update(of=("self",))
        .select_related("child", "group__institution", "responsible__user", "raised_by__user")
        .get(pk=concern.pk, municipality_id=concern.municipality_id)
    )


def lock_case(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("child", "group__institution", "source_concern", "opened_by__user")
        .get(pk=case.pk, municipality_id=case.municipality_id)
    )


def lock_delivery(delivery: Delivery) -> Delivery:
    return (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("case", "intervention")
        .prefetch_related("hours")
        .get(pk=delivery.pk, municipality_id=delivery.municipality_id)
    )
