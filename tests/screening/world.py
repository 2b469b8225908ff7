"""Screening in the personas' world: an open round in Aby covering both classes, with the
parents of 3.A informed, Oliver rated (his teacher's own rating and the agreed position,
yellow), and a consent to share with PPR; a round in Bby for isolation."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from spor.accounts.models import Membership
from spor.screening import areas, services
from spor.screening.models import (
    Assessment,
    Consent,
    ParentNotice,
    Recipient,
    RoundGroup,
    ScreeningRound,
)

if TYPE_CHECKING:
    from tests.conftest import World


def membership(user, muni) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.get(user=user, municipality=muni)


def open_round(muni, groups, lead, name="Trivsel efterår", days_ago=10) -> ScreeningRound:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    r = ScreeningRound.objects.create(
        municipality=muni,
        name=name,
        starts=today - dt.timedelta(days=days_ago),
        ends=today + dt.timedelta(days=30),
        areas=areas.current_definition(),
        opened_by=membership(lead, muni),
    )
    for g in groups:
        RoundGroup.objects.create(municipality=muni, round=r, group=g)
    return r


def extend(w: World) -> None:
    today = timezone.localdate()
    teacher = membership(w.teacher_a, w.a)
    r = open_round(w.a, [w.class_a, w.class_a2], w.lead_a)
    notice = ParentNotice.objects.create(
        municipality=w.a,
        round=r,
        group=w.class_a,
        informed_on=today - dt.timedelta(days=12),
        how=ParentNotice.How.AULA,
        recorded_by=teacher,
    )
    ratings = {"trivsel": "gul", "udvikling": "groen", "laering": "groen", "relationer": "groen"}
    own = Assessment.objects.create(
        municipality=w.a,
        round=r,
        child=w.child_a1,
        group=w.class_a,
        rater=teacher,
        ratings=ratings,
        focus={"trivsel": ["ked_af_det"]},
        position="gul",
    )
    agreement = Assessment.objects.create(
        municipality=w.a,
        round=r,
        child=w.child_a1,
        group=w.class_a,
        is_agreement=True,
        ratings=ratings,
        focus={"trivsel": ["ked_af_det"]},
        position="gul",
        updated_by=teacher,
    )
    consent = Consent.objects.create(
        municipality=w.a,
        child=w.child_a1,
        kind=Consent.Kind.CONSENT,
        recipient=Recipient.PPR,
        given_by="Mor, Anne Nielsen",
        valid_from=today - dt.timedelta(days=30),
        recorded_by=teacher,
    )
    services.round_refresh(r)  # the stored counts and follow-up flags
    round_b = open_round(w.b, [w.class_b], w.lead_b, name="Bby trivsel")
    ParentNotice.objects.create(
        municipality=w.b,
        round=round_b,
        group=w.class_b,
        informed_on=today,
        how=ParentNotice.How.LETTER,
    )
    w.extra.update(
        {
            "round": r,
            "notice": notice,
            "own": own,
            "agreement": agreement,
            "consent": consent,
            "round_b": round_b,
        }
    )
