"""Helpers for the archive tests: closed cases with a delivery and an SDQ answer, made
through the case services as PPR would."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from spor.accounts.models import Profession
from spor.cases import services as case_services
from spor.cases.models import Case, DeliveryStatus
from spor.measurement.models import Informant, Phase, Response
from tests.cases.helpers import actor, member
from tests.conftest import World
from tests.measurement.world import TEACHER_ANSWERS


def closed_case(
    w: World,
    child: Any,
    *,
    kle_number: str = "27.20.00",
    closed_days_ago: int = 10,
    title: str = "Læsevanskeligheder",
    with_sdq: bool = True,
) -> Case:
    ppr = actor(w, w.ppr_a)
    today = timezone.localdate()
    case = case_services.case_open(
        actor=ppr,
        title=title,
        level="foregribende",
        child=child,
        opened_on=today - dt.timedelta(days=closed_days_ago + 60),
        kle_number=kle_number,
    )
    delivery = case_services.delivery_add(
        actor=ppr,
        case=case,
        intervention=w.extra["intervention_talks"],
        start=today - dt.timedelta(days=closed_days_ago + 50),
        end=today - dt.timedelta(days=closed_days_ago + 1),
        status=DeliveryStatus.FINISHED,
        hours={Profession.PSYCHOLOGIST: Decimal("4")},
    )
    if with_sdq:
        Response.objects.create(
            municipality=w.a,
            delivery=delivery,
            phase=Phase.BEFORE,
            informant=Informant.TEACHER,
            form="teacher-4-17",
            answers=TEACHER_ANSWERS,
            scores={"total": {"score": 20}},
            respondent_name="Lærer Lise",
            entered_by=member(w, w.ppr_a),
            answered_at=timezone.now() - dt.timedelta(days=closed_days_ago + 40),
        )
    case_services.case_close(
        actor=ppr,
        case=case,
        outcome="maal_naaet",
        closed_on=today - dt.timedelta(days=closed_days_ago),
        specialised_at_close={
            "close_psychiatry": False,
            "close_special_education": False,
            "close_social_measures": False,
            "close_medication": False,
        },
    )
    case.refresh_from_db()
    return case
